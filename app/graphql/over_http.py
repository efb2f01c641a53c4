"""GraphQL over HTTP's rules for answers: which media type, and which status for a request error.

A request error is a failure before execution (a document that does not parse or validate,
variables that do not coerce, a refusal before anything runs): its answer has no `data`.
With `application/graphql-response+json` it also has a 4xx or 5xx status; with the legacy
`application/json` it is 200, as that media type's clients expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.graphql.errors import ErrorCode

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

# A request error's status under GRAPHQL_RESPONSE: 400 unless its code says otherwise.
_STATUS_OF_CODE = {
    ErrorCode.RATE_LIMITED.value: 429,
    ErrorCode.SERVICE_UNAVAILABLE.value: 503,
    ErrorCode.INTERNAL.value: 500,
}


def response_media_type(accept: str | None) -> str:
    """GRAPHQL_RESPONSE when the client accepts it at least as much as JSON, else JSON."""
    weights: dict[str, float] = {}
    for part in (accept or "").split(","):
        media_type, *parameters = (item.strip() for item in part.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media_type.lower()] = max(weight, weights.get(media_type.lower(), 0.0))
    preferred = weights.get(GRAPHQL_RESPONSE, 0.0)
    if preferred > 0 and preferred >= max(weights.get(JSON, 0.0), weights.get("*/*", 0.0)):
        return GRAPHQL_RESPONSE
    return JSON


def is_request_error(answer: Mapping[str, Any]) -> bool:
    """Whether the answer failed before execution: no data, and no error on a field."""
    errors = answer.get("errors")
    if not errors or answer.get("data") is not None:
        return False
    return all("path" not in error for error in errors)


def request_error_status(answer: Mapping[str, Any]) -> int:
    codes = {(error.get("extensions") or {}).get("code") for error in answer["errors"]}
    return max(_STATUS_OF_CODE.get(str(code), 400) for code in codes)
