"""A change and its event commit together or not at all (SPEC section 11), on both databases.

The database itself is made to refuse every event (a trigger), as a crash or a lost
connection between the two writes would: each write must then leave no trace at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import text

from tests.utils.api import CREATE_DEBT, VALID_DEBT, Api
from tests.utils.changes import CHANGE_DEBT_STATUS, ERASE_DEBT, UPDATE_DEBT, events

_POSTGRES = [
    "CREATE FUNCTION refuse_event() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'event refused'; END $$",
    "CREATE TRIGGER refuse_events BEFORE INSERT ON debt_event "
    "FOR EACH ROW EXECUTE FUNCTION refuse_event()",
]
_POSTGRES_UNDO = ["DROP TRIGGER refuse_events ON debt_event", "DROP FUNCTION refuse_event()"]
_SQLITE = [
    "CREATE TRIGGER refuse_events BEFORE INSERT ON debt_event "
    "BEGIN SELECT RAISE(ABORT, 'event refused'); END"
]
_SQLITE_UNDO = ["DROP TRIGGER refuse_events"]

CREATE_DEBTS = """
mutation CreateDebts($input: CreateDebtsInput!) {
  createDebts(input: $input) { __typename }
}
"""


async def _run(api: Api, statements: list[str]) -> None:
    async with api.runtime.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


@asynccontextmanager
async def events_refused(api: Api, backend: str) -> AsyncIterator[None]:
    postgres = backend == "postgresql"
    await _run(api, _POSTGRES if postgres else _SQLITE)
    try:
        yield
    finally:
        await _run(api, _POSTGRES_UNDO if postgres else _SQLITE_UNDO)


def _internal(body: dict[str, Any]) -> None:
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL"


async def test_no_debt_without_its_created_event(api: Api, backend: str) -> None:
    async with events_refused(api, backend):
        _internal(await api.gql(CREATE_DEBT, {"input": VALID_DEBT}))
        _internal(await api.gql(CREATE_DEBT, {"input": VALID_DEBT, "key": "atomic"}))
        _internal(await api.gql(CREATE_DEBTS, {"input": {"debts": [VALID_DEBT, VALID_DEBT]}}))
    assert await api.debt_count() == 0


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        pytest.param(UPDATE_DEBT, {"input": {"city": "Lyon"}}, id="updateDebt"),
        pytest.param(CHANGE_DEBT_STATUS, {"status": "ON_HOLD"}, id="changeDebtStatus"),
        pytest.param(ERASE_DEBT, {}, id="eraseDebt"),
    ],
)
async def test_no_change_without_its_event(
    api: Api, backend: str, query: str, variables: dict[str, Any]
) -> None:
    debt = await api.create_debt(VALID_DEBT)
    before = await api.debt(debt["id"])
    async with events_refused(api, backend):
        _internal(await api.gql(query, {**variables, "id": debt["id"]}))
    assert await api.debt(debt["id"]) == before
    assert [event["type"] for event in await events(api, debt["id"])] == ["CREATED"]
