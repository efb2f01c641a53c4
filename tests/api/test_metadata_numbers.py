"""Numbers in metadata are kept exactly or refused: integers beyond 64 bits are INVALID_METADATA."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_batch_import import CREATE_DEBTS
from tests.utils.api import VALID_DEBT, Api

BEYOND_64_BITS: list[Any] = [
    pytest.param({"n": 2**70}, id="2^70"),
    pytest.param({"n": 2**64}, id="2^64"),
    pytest.param({"n": -(2**63) - 1}, id="-2^63-1"),
    pytest.param({"deep": [1, {"list": [{"n": 10**30}]}]}, id="nested"),
]
# What JSON writes and reads back exactly in every language with 64-bit integers.
WITHIN_64_BITS = {"max": 2**64 - 1, "min": -(2**63), "above_doubles": 2**53 + 1, "f": 1e21}

CREATE_DEBT = """
mutation($input: CreateDebtInput!) {
  createDebt(input: $input) {
    __typename
    ... on Debt { id metadata }
    ... on ValidationError { fields { field code } }
  }
}
"""

INVALID_METADATA = [{"field": "metadata", "code": "INVALID_METADATA"}]


def _literal(value: Any) -> str:
    """A GraphQL input literal of a JSON value (keys are plain names here)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _inline_debt(metadata: dict[str, Any]) -> str:
    return _literal(VALID_DEBT)[:-1] + f", metadata: {_literal(metadata)}}}"


@pytest.mark.parametrize("metadata", BEYOND_64_BITS)
async def test_create_debt_refuses_integers_beyond_64_bits_as_variables(
    api: Api, metadata: dict[str, Any]
) -> None:
    body = await api.gql(CREATE_DEBT, {"input": {**VALID_DEBT, "metadata": metadata}})
    assert body["data"]["createDebt"] == {
        "__typename": "ValidationError",
        "fields": INVALID_METADATA,
    }
    assert await api.debt_count() == 0


@pytest.mark.parametrize("metadata", BEYOND_64_BITS)
async def test_create_debt_refuses_integers_beyond_64_bits_as_literals(
    api: Api, metadata: dict[str, Any]
) -> None:
    body = await api.gql(
        "mutation { createDebt(input: "
        + _inline_debt(metadata)
        + ") { __typename ... on ValidationError { fields { field code } } } }"
    )
    assert body["data"]["createDebt"] == {
        "__typename": "ValidationError",
        "fields": INVALID_METADATA,
    }
    assert await api.debt_count() == 0


async def test_integers_within_64_bits_are_kept_exactly(api: Api) -> None:
    body = await api.gql(CREATE_DEBT, {"input": {**VALID_DEBT, "metadata": WITHIN_64_BITS}})
    created = body["data"]["createDebt"]
    assert created["metadata"] == WITHIN_64_BITS
    stored = await api.debt(created["id"])
    assert stored is not None
    assert stored["metadata"] == WITHIN_64_BITS
    assert isinstance(stored["metadata"]["max"], int)


def _failed_items(result: dict[str, Any]) -> list[tuple[int, Any]]:
    assert result["__typename"] == "DebtImport", result
    return [(item["index"], item["error"]["fields"]) for item in result["failed"]]


def _failed_fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"field": f["field"], "code": f["code"]} for f in fields]


@pytest.mark.parametrize("metadata", BEYOND_64_BITS)
async def test_create_debts_refuses_integers_beyond_64_bits_as_variables(
    api: Api, metadata: dict[str, Any]
) -> None:
    batch = {"debts": [VALID_DEBT, {**VALID_DEBT, "metadata": metadata}]}
    body = await api.gql(CREATE_DEBTS, {"input": batch})
    result = body["data"]["createDebts"]
    assert [(index, _failed_fields(fields)) for index, fields in _failed_items(result)] == [
        (1, INVALID_METADATA)
    ]
    assert result["summary"] == {"total": 2, "created": 1, "failed": 1}


@pytest.mark.parametrize("metadata", BEYOND_64_BITS)
async def test_create_debts_refuses_integers_beyond_64_bits_as_literals(
    api: Api, metadata: dict[str, Any]
) -> None:
    debts = f"[{_literal(VALID_DEBT)}, {_inline_debt(metadata)}]"
    query = (
        "mutation { createDebts(input: {debts: "
        + debts
        + "}) { __typename ... on DebtImport { summary { total created failed }"
        " failed { index error { __typename ... on ValidationError { fields { field code } } } }"
        " } } }"
    )
    body = await api.gql(query)
    result = body["data"]["createDebts"]
    assert [(index, fields) for index, fields in _failed_items(result)] == [(1, INVALID_METADATA)]
    assert result["summary"] == {"total": 2, "created": 1, "failed": 1}
