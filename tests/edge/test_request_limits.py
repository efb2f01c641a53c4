"""Request limits (SPEC section 10): body, depth, aliases, tokens, operations; nothing written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from graphql import get_introspection_query

from tests.edge.conftest import StartServer
from tests.utils.api import CREATE_DEBT, VALID_DEBT, Api

MIB = 1024 * 1024
CREATE = (
    'mutation { createDebt(input: {firstname: "Jean", lastname: "Dupont", '
    'phone: "0612345678", amount: "10", currency: "EUR"}) { __typename } }'
)


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def _nested_of_type(levels: int) -> str:
    """An introspection query whose depth is exactly `levels` (4 fields, then ofType...)."""
    assert levels >= 5
    of_types = levels - 5
    return (
        "{ __schema { types { fields { type { "
        + "ofType { " * of_types
        + "name"
        + " }" * of_types
        + " } } } } }"
    )


async def _chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _padded_create(total_bytes: int) -> bytes:
    """A createDebt body of exactly `total_bytes`, padded with spaces (which are no tokens)."""
    base = orjson.dumps({"query": CREATE, "variables": {}})
    padding = total_bytes - len(base)
    assert padding >= 0
    return orjson.dumps({"query": CREATE + " " * padding, "variables": {}})


async def test_body_over_the_limit_is_413_and_writes_nothing(reader: Api) -> None:
    body = _padded_create(MIB + 1)
    response = await reader.http.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {reader.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert _codes(response.json()) == ["REQUEST_TOO_LARGE"]
    assert await reader.debt_count() == 0


async def test_body_at_the_limit_is_served(api: Api) -> None:
    body = _padded_create(MIB)
    assert len(body) == MIB
    response = await api.http.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"createDebt": {"__typename": "Debt"}}}
    assert await api.debt_count() == 1


async def test_chunked_body_without_length_is_counted(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"}
    too_big = await api.http.post(
        "/graphql", content=_chunks(_padded_create(MIB + 1)), headers=headers
    )
    assert "content-length" not in too_big.request.headers
    assert too_big.status_code == 413
    assert await api.debt_count() == 0

    fits = await api.http.post("/graphql", content=_chunks(_padded_create(MIB)), headers=headers)
    assert fits.status_code == 200, fits.text
    assert await api.debt_count() == 1


async def test_token_endpoint_has_the_same_body_limit(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/token", data={"grant_type": "client_credentials", "client_secret": "x" * MIB}
    )
    assert response.status_code == 413


async def test_body_limit_is_configurable(start_server: StartServer) -> None:
    server = await start_server(max_body_bytes=2_000)
    api = await server.new_api()
    headers = {"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"}
    refused = await server.http.post("/graphql", content=_padded_create(2_001), headers=headers)
    served = await server.http.post("/graphql", content=_padded_create(2_000), headers=headers)
    assert (refused.status_code, served.status_code) == (413, 200)
    assert await api.debt_count() == 1


async def test_graphiql_introspection_query_passes(reader: Api) -> None:
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
        one_of=True,
    )
    body = await reader.gql(query)
    assert "errors" not in body, body
    assert body["data"]["__schema"]["queryType"] == {"name": "Query", "kind": "OBJECT"}


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (_nested_of_type(20), None),
        (_nested_of_type(21), "QUERY_TOO_DEEP"),
        # Depth hidden behind fragments, inline fragments and a type-level introspection.
        (
            '{ __type(name: "Debt") { ...F } } fragment F on __Type { fields { ...G } } '
            "fragment G on __Field { type { ... on __Type { "
            + "ofType { " * 17
            + "name"
            + " }" * 17
            + " } } }",
            "QUERY_TOO_DEEP",
        ),
        (
            '{ __type(name: "Debt") { ...F } } fragment F on __Type { fields { ...G } } '
            "fragment G on __Field { type { ... on __Type { "
            + "ofType { " * 16
            + "name"
            + " }" * 16
            + " } } }",
            None,
        ),
        ("{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }", None),
        ("{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }", "TOO_MANY_ALIASES"),
        # A fragment's aliases count each time it is spread.
        (
            "{ ...F ...G } fragment F on Query { "
            + " ".join(f"a{i}: __typename" for i in range(16))
            + " } fragment G on Query { ...F }",
            "TOO_MANY_ALIASES",
        ),
        ("{ __typename " + "# comment\n" * 5_000 + "}", "TOO_MANY_TOKENS"),
        ("{ " + "__typename " * 5_000 + "}", "TOO_MANY_TOKENS"),
        ("query A { __typename } query B { __typename }", "TOO_MANY_OPERATIONS"),
        # Cycles are refused by validation, never followed forever.
        (
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("{ __typename ", "GRAPHQL_PARSE_FAILED"),
    ],
    ids=[
        "depth-20",
        "depth-21",
        "depth-in-fragments-21",
        "depth-in-fragments-20",
        "aliases-30",
        "aliases-31",
        "aliases-through-spreads",
        "comments-are-tokens",
        "tokens-5001",
        "two-operations",
        "fragment-cycle",
        "syntax",
    ],
)
async def test_document_limits(reader: Api, document: str, code: str | None) -> None:
    body = await reader.gql(document)
    if code is None:
        assert "errors" not in body, body
    else:
        assert "data" not in body
        assert code in _codes(body), body


async def test_two_operations_are_refused_even_when_one_is_named(reader: Api) -> None:
    document = CREATE.replace("mutation {", "mutation Create {", 1) + " query Other { __typename }"
    response = await reader.http.post(
        "/graphql",
        json={"query": document, "operationName": "Create"},
        headers={"Authorization": f"Bearer {reader.token}"},
    )
    assert response.status_code == 200
    assert _codes(response.json()) == ["TOO_MANY_OPERATIONS"]
    assert await reader.debt_count() == 0


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (
            "mutation { "
            + " ".join(f"d{i}: createDebt(input: $input) {{ __typename }}" for i in range(31))
            + " }",
            "TOO_MANY_ALIASES",
        ),
        (
            "mutation { createDebt(input: $input) { ... on Debt { destination { "
            '__type(name: "X") { name } } } } }',
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ],
    ids=["aliases", "invalid"],
)
async def test_refused_mutations_write_nothing(reader: Api, query: str, code: str) -> None:
    document = query.replace("mutation {", "mutation($input: CreateDebtInput!) {", 1)
    body = await reader.gql(document, {"input": VALID_DEBT})
    assert code in _codes(body), body
    assert await reader.debt_count() == 0


async def test_limits_are_configurable(start_server: StartServer) -> None:
    server = await start_server(
        max_query_depth=2, max_aliases=1, max_query_tokens=12, max_operations=2
    )
    api = await server.new_api()
    cases = {
        "{ __schema { queryType { name } } }": ["QUERY_TOO_DEEP"],
        "{ __schema { queryType } }": ["GRAPHQL_VALIDATION_FAILED"],
        "{ a: __typename b: __typename }": ["TOO_MANY_ALIASES"],
        "{ a: __typename __typename }": [],
        "query A { __typename } query B { __typename }": [],
        "{ " + "__typename " * 11 + "}": ["TOO_MANY_TOKENS"],
        "{ " + "__typename " * 10 + "}": [],
    }
    for document, codes in cases.items():
        assert _codes(await api.gql(document)) == codes, document


async def test_introspection_and_graphiql_can_be_turned_off(start_server: StartServer) -> None:
    server = await start_server(graphql_introspection=False, graphiql=False)
    api = await server.new_api()

    body = await api.gql('{ __schema { queryType { name } } __type(name: "Debt") { name } }')
    assert "data" not in body
    assert set(_codes(body)) == {"INTROSPECTION_DISABLED"}
    assert await api.gql("{ __typename }") == {"data": {"__typename": "Query"}}

    page = await server.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 404


async def test_production_turns_both_off_by_default(start_server: StartServer) -> None:
    server = await start_server(app_env="production")
    api = await server.new_api()
    body = await api.gql("{ __schema { queryType { name } } }")
    assert "INTROSPECTION_DISABLED" in _codes(body)
    page = await server.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 404


async def test_graphiql_is_served_by_default(
    http: httpx.AsyncClient, graphiql_assets: Path
) -> None:
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_limit_errors_do_not_run_the_operation(reader: Api) -> None:
    """A refused document never reaches a resolver: no auth check, no database."""
    deep = CREATE_DEBT.replace("__typename", "__typename " + "a: __typename " * 31, 1)
    body = await reader.gql(deep, {"input": VALID_DEBT}, token=None)
    assert _codes(body) == ["TOO_MANY_ALIASES"]  # not UNAUTHENTICATED: nothing ran


SUGGESTED = [
    "{ debs { id } }",
    '{ debt(id: "x") { id amont } }',
    '{ debt(idd: "x") { id } }',
    "{ debts(filter: {status: PENDNG}) { edges { cursor } } }",
    "query { debt(id: 1) { ...on Dept { id } } }",
]


@pytest.mark.parametrize("document", SUGGESTED)
async def test_errors_hide_suggestions_when_introspection_is_off(
    start_server: StartServer, document: str
) -> None:
    shown = await start_server()
    hidden = await start_server(graphql_introspection=False)
    suggested = await (await shown.new_api()).gql(document)
    assert "Did you mean" in suggested["errors"][0]["message"], suggested
    body = await (await hidden.new_api()).gql(document)
    assert body["errors"] and all("Did you mean" not in e["message"] for e in body["errors"])
    assert {e["extensions"]["code"] for e in body["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}


async def test_variable_errors_hide_suggestions_when_introspection_is_off(
    start_server: StartServer,
) -> None:
    hidden = await (await start_server(app_env="production", secret_key="k" * 40)).new_api()
    query = "query($s: DebtStatus) { debts(filter: {status: $s}) { edges { cursor } } }"
    body = await hidden.gql(query, {"s": "PENDNG"})
    assert body["errors"] and "Did you mean" not in body["errors"][0]["message"]
    body = await hidden.gql(CREATE_DEBT, {"input": {**VALID_DEBT, "firstnam": "x"}})
    assert body["errors"] and all("Did you mean" not in e["message"] for e in body["errors"])
