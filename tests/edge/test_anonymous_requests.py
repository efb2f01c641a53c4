"""Requests without a valid token go no further than the token: counted per address, and in
production refused before their document is even parsed."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.edge.conftest import Server, StartServer
from tests.utils.api import CREATE_DEBT, VALID_DEBT

PRODUCTION = {"app_env": "production", "secret_key": "a-production-key-of-32-bytes-or-more"}


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


@pytest.fixture
async def production(start_server: StartServer) -> Server:
    return await start_server(**PRODUCTION)


@pytest.mark.parametrize(
    "document",
    [
        CREATE_DEBT,
        "{ debts(first: 1) { edges { cursor } } }",
        "{ __typename }",
        "{ debts(first: ",  # not even parsed
        "{ " + "a " * 10_000 + "}",  # over the token limit: not even lexed
    ],
    ids=["write", "read", "typename", "malformed", "too-long"],
)
async def test_production_refuses_anonymous_requests_before_parsing(
    production: Server, document: str
) -> None:
    api = await production.new_api()
    for token in (None, "not-a-token", api.token[:-2]):
        body = await api.gql(document, {"input": VALID_DEBT}, token=token)
        assert "data" not in body
        assert _codes(body) == ["UNAUTHENTICATED"]
    assert await api.debt_count() == 0


async def test_a_large_anonymous_document_costs_no_parsing_in_production(
    production: Server,
) -> None:
    api = await production.new_api()
    document = "query { " + " ".join(f"a{i}: __typename" for i in range(1_500)) + " }"
    started = time.process_time()
    for _ in range(20):
        assert _codes(await api.gql(document, token=None)) == ["UNAUTHENTICATED"]
    anonymous = time.process_time() - started
    started = time.process_time()
    for _ in range(20):
        assert "TOO_MANY_ALIASES" in _codes(await api.gql(document))
    authenticated = time.process_time() - started
    assert anonymous < authenticated / 3, (anonymous, authenticated)


async def test_production_serves_a_valid_token(production: Server) -> None:
    api = await production.new_api()
    created = await api.create_debt(VALID_DEBT)
    assert created["__typename"] == "Debt"


async def test_development_lets_anonymous_documents_through_for_graphiql(
    start_server: StartServer,
) -> None:
    api = await (await start_server()).new_api()
    assert await api.gql("{ __typename }", token=None) == {"data": {"__typename": "Query"}}
    schema = await api.gql("{ __schema { queryType { name } } }", token=None)
    assert schema["data"]["__schema"]["queryType"]["name"] == "Query"
    body = await api.gql(CREATE_DEBT, {"input": VALID_DEBT}, token=None)
    assert _codes(body) == ["UNAUTHENTICATED"]
    assert await api.debt_count() == 0
