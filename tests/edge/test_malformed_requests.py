"""Malformed HTTP requests get a clear 4xx or GraphQL error, never a 500, and write nothing."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.utils.api import CREATE_DEBT, VALID_DEBT, Api

JSON = "application/json"
CREATE_BODY = orjson.dumps({"query": CREATE_DEBT, "variables": {"input": VALID_DEBT}})


def _nested_json(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


# (name, body, content type or None, expected status, text the answer must contain)
HTTP_ERRORS: list[tuple[str, bytes, str | None, int, str]] = [
    ("malformed-json", b'{"query": "{ __typename }"', JSON, 400, "JSON"),
    ("empty-body", b"", JSON, 400, "JSON"),
    ("array-batch", b"[" + CREATE_BODY + b"]", JSON, 400, "Batching"),
    ("number", b"42", JSON, 400, "JSON object"),
    ("string", b'"mutation { createDebt }"', JSON, 400, "JSON object"),
    ("null", b"null", JSON, 400, "JSON object"),
    ("invalid-utf8", CREATE_BODY.replace(b"Jean", b"J\xff\xfean"), JSON, 400, "JSON"),
    ("wrong-content-type", CREATE_BODY, "text/plain", 415, "Unsupported Media Type"),
    (
        "form-content-type",
        b"query=%7B__typename%7D",
        "application/x-www-form-urlencoded",
        415,
        "Unsupported Media Type",
    ),
    ("missing-content-type", CREATE_BODY, None, 415, "Unsupported Media Type"),
    ("nested-json-in-body", b'{"query": ' + _nested_json(100_000) + b"}", JSON, 400, "JSON"),
    (
        "nested-json-in-variables",
        b'{"query": "{ __typename }", "variables": {"input": ' + _nested_json(5_000) + b"}}",
        JSON,
        400,
        "JSON",
    ),
    ("query-not-a-string", b'{"query": 1}', JSON, 400, "query"),
    (
        "variables-not-an-object",
        b'{"query": "{ __typename }", "variables": [1]}',
        JSON,
        400,
        "variables",
    ),
    ("no-query", b'{"variables": {}}', JSON, 400, "No GraphQL query"),
    (
        "unknown-operation-name",
        orjson.dumps(
            {"query": CREATE_DEBT, "variables": {"input": VALID_DEBT}, "operationName": "Nope"}
        ),
        JSON,
        400,
        "Nope",
    ),
]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [case[1:] for case in HTTP_ERRORS],
    ids=[case[0] for case in HTTP_ERRORS],
)
async def test_malformed_http_request_is_a_clear_4xx(
    reader: Api, body: bytes, content_type: str | None, status: int, says: str
) -> None:
    headers = {"Authorization": f"Bearer {reader.token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = await reader.http.post("/graphql", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert says.lower() in response.text.lower()
    assert await reader.debt_count() == 0


# (name, variables, text the error message must contain)
GRAPHQL_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    ("unknown-input-field", {"input": {**VALID_DEBT, "nickname": "JD"}}, "nickname"),
    ("amount-wrong-type", {"input": {**VALID_DEBT, "amount": {"value": 1}}}, "amount"),
    ("firstname-wrong-type", {"input": {**VALID_DEBT, "firstname": 12}}, "firstname"),
    ("input-not-an-object", {"input": "Jean Dupont"}, "CreateDebtInput"),
    ("input-missing", {}, "input"),
    ("key-wrong-type", {"input": VALID_DEBT, "key": ["a"]}, "key"),
]


@pytest.mark.parametrize(
    ("variables", "says"),
    [case[1:] for case in GRAPHQL_ERRORS],
    ids=[case[0] for case in GRAPHQL_ERRORS],
)
async def test_wrongly_typed_variables_are_a_graphql_error(
    reader: Api, variables: dict[str, Any], says: str
) -> None:
    body = await reader.gql(CREATE_DEBT, variables)
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert says in error["message"]
    assert await reader.debt_count() == 0


async def test_unknown_field_is_a_graphql_error(reader: Api) -> None:
    body = await reader.gql('{ debt(id: "x") { id nickname } }')
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "nickname" in error["message"]


async def test_mutation_over_get_is_refused(reader: Api) -> None:
    response = await reader.http.get(
        "/graphql",
        params={"query": CREATE_DEBT, "variables": orjson.dumps({"input": VALID_DEBT}).decode()},
        headers={"Authorization": f"Bearer {reader.token}", "Accept": JSON},
    )
    assert response.status_code == 405, (response.headers, response.text)
    assert response.headers["allow"] == "POST"
    assert "POST" in response.text
    assert await reader.debt_count() == 0


async def test_query_over_get_is_served(reader: Api) -> None:
    response = await reader.http.get(
        "/graphql",
        params={"query": "{ __typename }"},
        headers={"Authorization": f"Bearer {reader.token}", "Accept": JSON},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


# Found by the fuzzing: PostgreSQL refuses NUL bytes in text, so ids carrying one used to
# fail the lookup with a database error (INTERNAL) instead of finding nothing.
NUL_ID = "debt_\x00"


async def test_an_id_with_a_nul_byte_is_simply_unknown(reader: Api) -> None:
    body = await reader.gql("query($id: ID!) { debt(id: $id) { id } }", {"id": NUL_ID})
    assert body == {"data": {"debt": None}}


async def test_a_timeline_id_with_a_nul_byte_is_ignored(api: Api) -> None:
    created = await api.create_debt({**VALID_DEBT, "timelineId": "tl_\x00"})
    assert created["__typename"] == "Debt"
    assert created["timelineId"] is None


async def test_a_client_id_with_a_nul_byte_is_an_unknown_client(reader: Api) -> None:
    response = await reader.http.post(
        "/token",
        data={"grant_type": "client_credentials", "client_id": "cl_\x00", "client_secret": "x"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
