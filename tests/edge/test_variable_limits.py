"""Variables are bounded before graphql-core coerces them: a small request cannot buy seconds of
CPU with items or fields that each cost a located error."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.edge.conftest import StartServer
from tests.utils.api import CREATE_DEBT, VALID_DEBT, Api

CREATE_DEBTS = """
mutation Import($debts: [CreateDebtsItemInput!]!) {
  createDebts(input: {debts: $debts}) { __typename }
}
"""


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def test_a_list_of_a_hundred_thousand_items_is_refused_at_once(api: Api) -> None:
    started = time.process_time()
    body = await api.gql(CREATE_DEBTS, {"debts": [{}] * 100_000})
    spent = time.process_time() - started

    assert "data" not in body
    assert _codes(body) == ["VARIABLES_TOO_LARGE"]
    assert "$debts" in body["errors"][0]["message"]
    assert spent < 1.0, f"{spent:.2f} s of CPU"  # graphql-core alone spent 16 s on it
    assert await api.debt_count() == 0


async def test_the_same_list_sent_anonymously_is_refused_too(api: Api) -> None:
    body = await api.gql(CREATE_DEBTS, {"debts": [{}] * 100_000}, token=None)
    assert _codes(body) == ["VARIABLES_TOO_LARGE"]


async def test_thousands_of_unknown_fields_are_refused_at_once(api: Api) -> None:
    debt = {**VALID_DEBT, **{f"extra{i}": 1 for i in range(50_000)}}
    started = time.process_time()
    body = await api.gql(CREATE_DEBT, {"input": debt})
    spent = time.process_time() - started

    assert _codes(body) == ["VARIABLES_TOO_LARGE"]
    assert "more than 50 fields not defined" in body["errors"][0]["message"]
    assert spent < 1.0, f"{spent:.2f} s of CPU"
    assert await api.debt_count() == 0


async def test_a_few_unknown_fields_are_named_by_graphql_core(api: Api) -> None:
    body = await api.gql(CREATE_DEBT, {"input": {**VALID_DEBT, "nickname": "JD", "age": 3}})
    assert _codes(body) == ["GRAPHQL_VALIDATION_FAILED"] * 2
    assert await api.debt_count() == 0


@pytest.mark.parametrize("items", [1000, 1001])
async def test_a_batch_near_its_limit_is_answered_by_the_batch_rules(api: Api, items: int) -> None:
    body = await api.gql(CREATE_DEBTS, {"debts": [VALID_DEBT] * items})
    assert "errors" not in body, body
    typename = "DebtImport" if items == 1000 else "ValidationError"
    assert body["data"]["createDebts"]["__typename"] == typename


async def test_nested_json_in_metadata_is_not_walked_as_input(api: Api) -> None:
    created = await api.create_debt({**VALID_DEBT, "metadata": {"tags": list(range(3000))}})
    assert created["__typename"] == "Debt"


async def test_the_bound_is_configurable(start_server: StartServer, api: Api) -> None:
    server = await start_server(max_variable_list_items=2)
    other = server.api_for(api)
    body = await other.gql(CREATE_DEBTS, {"debts": [VALID_DEBT] * 3})
    assert _codes(body) == ["VARIABLES_TOO_LARGE"]
    body = await other.gql(CREATE_DEBTS, {"debts": [VALID_DEBT] * 2})
    assert body["data"]["createDebts"]["__typename"] == "DebtImport"
