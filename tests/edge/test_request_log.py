"""One JSON access-log line per request, request ids, masking, and faults answered INTERNAL."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

import app.graphql.debts.mutations
from tests.edge.conftest import LogLines
from tests.utils.api import CREATE_DEBT, VALID_DEBT, Api

SECRET_DEBT: dict[str, Any] = {
    **VALID_DEBT,
    "phone": "+33 6 98 76 54 32",
    "email": "marie.curie@example.org",
    "iban": "FR14 2004 1010 0505 0001 3M02 606",
}
# Every spelling of the values above that must never reach the logs.
SECRETS = [
    "marie.curie@example.org",
    "marie.curie",
    "+33698765432",
    "+33 6 98 76 54 32",
    "0698765432",
    "698765432",
    "FR1420041010050500013M02606",
    "FR14 2004 1010 0505 0001 3M02 606",
    "20041010050500013M02606",
]


async def test_one_json_line_per_request_with_what_happened(reader: Api, logs: LogLines) -> None:
    await reader.gql("query Mine { timelines { edges { node { id } } } }")
    await reader.gql("query Bad { timelines { nope } }")
    await reader.gql("query Anonymous { timelines { edges { node { id } } } }", token=None)
    await reader.http.post("/graphql", content=b"{", headers={"Content-Type": "application/json"})

    ok, invalid, anonymous, malformed = logs.access()
    assert ok["operation"] == "Mine"
    assert ok["operation_type"] == "query"
    assert ok["client_id"].startswith("cl")
    assert (ok["outcome"], ok["status"], ok["error_codes"]) == ("ok", 200, [])
    assert (ok["method"], ok["path"]) == ("POST", "/graphql")
    assert isinstance(ok["duration_ms"], float) and ok["duration_ms"] >= 0
    assert len(ok["request_id"]) == 32
    assert ok["level"] == "INFO" and "time" in ok

    assert (invalid["operation"], invalid["outcome"]) == ("Bad", "validation_error")
    assert invalid["error_codes"] == ["GRAPHQL_VALIDATION_FAILED"]
    assert (anonymous["outcome"], anonymous["error_codes"]) == (
        "graphql_error",
        ["UNAUTHENTICATED"],
    )
    assert anonymous["client_id"] is None
    assert (malformed["outcome"], malformed["status"]) == ("rejected", 400)
    assert len({e["request_id"] for e in logs.access()}) == 4


async def test_request_too_large_is_logged_with_its_code(reader: Api, logs: LogLines) -> None:
    await reader.http.post(
        "/graphql", content=b" " * (1024 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    [entry] = logs.access()
    assert (entry["status"], entry["outcome"], entry["error_codes"]) == (
        413,
        "rejected",
        ["REQUEST_TOO_LARGE"],
    )


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("3f6c1d2e-trace-42", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("has spaces", False),
        ("jean@example.com", False),  # would carry personal data into the logs
        ("0612345678", False),
        ("", False),
    ],
)
async def test_request_id_is_honoured_or_replaced_and_echoed(
    http: httpx.AsyncClient, logs: LogLines, sent: str, kept: bool
) -> None:
    response = await http.get("/health", headers={"X-Request-ID": sent})
    echoed = response.headers["X-Request-ID"]
    assert (echoed == sent) is kept
    [entry] = logs.access()
    assert entry["request_id"] == echoed
    assert (entry["path"], entry["status"], entry["outcome"]) == ("/health", 200, "ok")


async def test_logs_never_show_tokens_or_personal_data(
    api: Api, logs: LogLines, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a fault whose message quotes the input and the token is masked in the log."""

    async def failing_service(*_args: object, raw: Any, **_kwargs: object) -> None:
        raise RuntimeError(
            f"boom: {raw.email} {raw.phone} {raw.iban} token={api.token} Bearer {api.token}"
        )

    # Fault injection: the service the resolver calls fails as a bug would.
    monkeypatch.setattr(app.graphql.debts.mutations, "create_debt", failing_service)

    response = await api.http.post(
        "/graphql?email=marie.curie@example.org",
        json={"query": CREATE_DEBT, "variables": {"input": SECRET_DEBT}},
        headers={"Authorization": f"Bearer {api.token}", "X-Request-ID": "trace-secret-test"},
    )

    body = response.json()
    assert response.status_code == 200
    assert body["data"] is None
    assert body["errors"] == [
        {
            "message": "Internal server error",
            "locations": body["errors"][0]["locations"],
            "path": ["createDebt"],
            "extensions": {"code": "INTERNAL"},
        }
    ]
    assert "boom" not in response.text and "Traceback" not in response.text

    [fault] = [e for e in logs.entries("app.graphql") if e["level"] == "ERROR"]
    assert "Traceback" in fault["exception"] and "failing_service" in fault["exception"]
    assert "boom" in fault["exception"]
    assert fault["request_id"] == "trace-secret-test"
    [access] = logs.access()
    assert (access["outcome"], access["error_codes"]) == ("graphql_error", ["INTERNAL"])

    written = logs.text
    for secret in [*SECRETS, api.token, api.token.split(".")[1]]:
        assert secret not in written, secret
    assert await api.debt_count() == 0


async def test_expected_client_errors_are_not_logged_as_problems(
    reader: Api, logs: LogLines
) -> None:
    await reader.gql(CREATE_DEBT, {"input": {**VALID_DEBT, "amount": "-1"}})  # ValidationError
    await reader.gql(CREATE_DEBT, {"input": VALID_DEBT}, token="not-a-token")
    await reader.gql("{ timelines { nope } }")
    await reader.gql(CREATE_DEBT, {"input": {**VALID_DEBT, "amount": {"x": 1}}})
    await reader.gql("{ " + "__typename " * 5001 + "}")

    assert len(logs.access()) == 5
    problems = [e for e in logs.entries() if e["level"] in {"WARNING", "ERROR", "CRITICAL"}]
    assert problems == []
    assert await reader.debt_count() == 0


def test_log_values_that_are_not_json_are_written_as_masked_text(logs: LogLines) -> None:
    """An object in a log record is written as its text, masked like any other text."""
    quoting = ValueError("call +33 6 98 76 54 32 or write to marie.curie@example.org")
    logging.getLogger("app.test").info(
        "refused",
        extra={
            "fields": {
                "detail": quoting,
                "nested": {"items": [quoting, 7, None]},
                "lone_surrogate": "text \udc80 JSON lets through",
            }
        },
    )

    [entry] = logs.entries("app.test")
    assert entry["detail"].startswith("call ") and "[email]" in entry["detail"]
    assert entry["nested"] == {"items": [entry["detail"], 7, None]}
    assert entry["lone_surrogate"].startswith("text ")
    for secret in SECRETS:
        assert secret not in logs.text, secret
