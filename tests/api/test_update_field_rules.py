"""updateDebt obeys createDebt's field rules (SPEC section 11): the very rows of createDebt's
tables (tests/api/test_validation.py), each sent as an update of a valid debt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.runtime import Runtime
from tests.api.test_validation import (
    ACCEPTED_ROWS,
    EVERYTHING_WRONG,
    NOW,
    PHONE_ACCEPTED_ROWS,
    PHONE_REFUSED_ROWS,
    REFUSED_ROWS,
)
from tests.utils.api import VALID_DEBT, Api
from tests.utils.changes import events, update_debt
from tests.utils.clock import Clock


@pytest.fixture(scope="module")
async def intake(http: httpx.AsyncClient, runtime: Runtime) -> AsyncIterator[Api]:
    """One company per backend for the whole table (see test_validation's own fixture)."""
    yield await Api.for_new_company(http, runtime)


@pytest.fixture(autouse=True)
def _fixed_now(clock: Clock) -> None:
    clock.set(NOW)


async def _refused_as_update(
    api: Api, changes: dict[str, Any], expected: list[tuple[str, str, str | None]]
) -> None:
    debt = await api.create_debt(VALID_DEBT)
    before = await api.debt(debt["id"])
    result = await update_debt(api, debt["id"], changes)
    assert result["__typename"] == "ValidationError", result
    got = [(f["field"], f["code"], f["message"]) for f in result["fields"]]
    assert [(field, code) for field, code, _ in got] == [(f, c) for f, c, _ in expected]
    for (_, _, message), (_, _, wanted) in zip(got, expected, strict=True):
        assert message and (wanted is None or message == wanted)
    assert await api.debt(debt["id"]) == before
    assert len(await events(api, debt["id"])) == 1


@pytest.mark.parametrize(("changes", "expected"), REFUSED_ROWS + PHONE_REFUSED_ROWS)
async def test_refused_as_on_creation(
    intake: Api, changes: dict[str, Any], expected: list[tuple[str, str, str | None]]
) -> None:
    await _refused_as_update(intake, changes, expected)


@pytest.mark.parametrize(("changes", "expected"), ACCEPTED_ROWS)
async def test_accepted_as_on_creation(
    intake: Api, changes: dict[str, Any], expected: dict[str, Any]
) -> None:
    debt = await intake.create_debt(VALID_DEBT)
    updated = await update_debt(intake, debt["id"], changes)
    assert updated["__typename"] == "Debt", updated
    assert {name: updated[name] for name in expected} == expected


@pytest.mark.parametrize(("changes", "e164"), PHONE_ACCEPTED_ROWS)
async def test_phone_renormalized_as_on_creation(
    intake: Api, changes: dict[str, Any], e164: str
) -> None:
    debt = await intake.create_debt({**VALID_DEBT, "phone": "+33698765432"})
    updated = await update_debt(intake, debt["id"], changes)
    assert updated["__typename"] == "Debt", updated
    assert updated["phone"] == e164


async def test_every_problem_of_an_update_at_once_in_input_order(intake: Api) -> None:
    debt = await intake.create_debt(VALID_DEBT)
    result = await update_debt(intake, debt["id"], EVERYTHING_WRONG)
    created = await intake.create_debt(EVERYTHING_WRONG)
    assert result["__typename"] == created["__typename"] == "ValidationError"
    assert result["fields"] == created["fields"]  # the same rules, the same answer
