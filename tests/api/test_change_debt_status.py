"""changeDebtStatus (SPEC section 11) through HTTP + GraphQL, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from app.config import Settings
from app.http.app import create_app
from app.runtime import Runtime
from tests.conftest import TEST_SECRET
from tests.utils.api import VALID_DEBT, Api
from tests.utils.changes import change_status, events, set_status_as_operator
from tests.utils.clock import Clock

STATUSES = ["PENDING", "IN_PROGRESS", "PAID", "ON_HOLD", "FAILED", "ARCHIVED"]
CLOSED: list[str] = []
# SPEC section 11's table, written out: (current status, the status it was paused from).
ALLOWED = {
    ("PENDING", None): ["ON_HOLD", "PAID", "ARCHIVED"],
    ("IN_PROGRESS", None): ["ON_HOLD", "PAID", "ARCHIVED"],
    ("ON_HOLD", "PENDING"): ["PENDING", "PAID", "ARCHIVED"],
    ("ON_HOLD", "IN_PROGRESS"): ["IN_PROGRESS", "PAID", "ARCHIVED"],
    ("FAILED", None): ["PENDING", "PAID", "ARCHIVED"],
    ("PAID", None): CLOSED,
    ("ARCHIVED", None): CLOSED,
}
CASES = [
    pytest.param(current, paused, target, id=f"{current}{'<' + paused if paused else ''}-{target}")
    for (current, paused) in ALLOWED
    for target in STATUSES
]


async def debt_in(api: Api, status: str, paused_from: str | None = None) -> str:
    """A new debt in `status` (put ON_HOLD from `paused_from` through the API)."""
    debt_id: str = (await api.create_debt(VALID_DEBT))["id"]
    if status == "ON_HOLD":
        await set_status_as_operator(api, debt_id, paused_from or "PENDING")
        held = await change_status(api, debt_id, "ON_HOLD")
        assert held["status"] == "ON_HOLD", held
    elif status != "PENDING":
        await set_status_as_operator(api, debt_id, status)
    return debt_id


@pytest.mark.parametrize(("current", "paused", "target"), CASES)
async def test_every_transition_of_the_table(
    api: Api, current: str, paused: str | None, target: str
) -> None:
    debt_id = await debt_in(api, current, paused)
    before = await events(api, debt_id)
    version = before[0]["version"]
    result = await change_status(api, debt_id, target, reason="as told")
    allowed = ALLOWED[(current, paused)]
    if target == current:  # the same status again: a success that records nothing
        assert result["__typename"] == "Debt"
        assert (result["status"], result["version"]) == (current, version)
        assert await events(api, debt_id) == before
    elif target in allowed:
        assert result["__typename"] == "Debt", result
        assert (result["status"], result["version"]) == (target, version + 1)
        latest = (await events(api, debt_id))[0]
        assert latest["type"] == "STATUS_CHANGED"
        assert latest["reason"] == "as told"
        assert latest["version"] == version + 1
        assert latest["changes"] == [{"field": "status", "from": current, "to": target}]
    else:
        assert result == {
            "__typename": "InvalidStatusTransition",
            "message": f"A {current} debt cannot become {target}",
            "from": current,
            "to": target,
            "allowed": allowed,
        }
        assert await events(api, debt_id) == before


async def test_hold_remembers_what_it_paused_and_resume_returns_to_it(api: Api) -> None:
    debt_id = await debt_in(api, "IN_PROGRESS")
    assert (await change_status(api, debt_id, "ON_HOLD", "dispute"))["status"] == "ON_HOLD"
    refused = await change_status(api, debt_id, "PENDING")
    assert refused["allowed"] == ["IN_PROGRESS", "PAID", "ARCHIVED"]
    resumed = await change_status(api, debt_id, "IN_PROGRESS", "dispute settled")
    assert resumed["status"] == "IN_PROGRESS"
    # Held again from PENDING after a retry: the memory is the latest hold's.
    await set_status_as_operator(api, debt_id, "PENDING")
    await change_status(api, debt_id, "ON_HOLD")
    assert (await change_status(api, debt_id, "IN_PROGRESS"))["allowed"][0] == "PENDING"


@pytest.mark.parametrize(("length", "accepted"), [(500, True), (501, False)])
async def test_reason_is_at_most_500_characters(api: Api, length: int, accepted: bool) -> None:
    debt_id = await debt_in(api, "PENDING")
    result = await change_status(api, debt_id, "ON_HOLD", reason="r" * length)
    if accepted:
        assert result["status"] == "ON_HOLD"
        assert (await events(api, debt_id))[0]["reason"] == "r" * 500
    else:
        assert result["__typename"] == "ValidationError"
        assert [(f["field"], f["code"]) for f in result["fields"]] == [("reason", "TOO_LONG")]
        assert len(await events(api, debt_id)) == 1


async def test_expected_version_is_checked(api: Api) -> None:
    debt_id = await debt_in(api, "PENDING")
    stale = await change_status(api, debt_id, "ON_HOLD", expected_version=2)
    assert stale["__typename"] == "VersionConflict" and stale["currentVersion"] == 1
    held = await change_status(api, debt_id, "ON_HOLD", expected_version=1)
    assert held["version"] == 2


# A table where a PAID debt may be archived, and a FAILED one may not be retried.
CHANGED_TABLE = """
[transitions]
PENDING = ["ON_HOLD", "PAID", "ARCHIVED"]
IN_PROGRESS = ["ON_HOLD", "PAID", "ARCHIVED"]
ON_HOLD = ["PAUSED_FROM", "PAID", "ARCHIVED"]
FAILED = ["PAID", "ARCHIVED"]
PAID = ["ARCHIVED"]
ARCHIVED = []
"""


@pytest.fixture
async def changed_table(settings: Settings, clock: Clock, tmp_path: Path) -> AsyncIterator[Api]:
    """A company served by an app whose transition table was changed in configuration."""
    table = tmp_path / "transitions.toml"
    table.write_text(CHANGED_TABLE, encoding="utf-8")
    custom = Settings(
        database_url=settings.database_url,
        secret_key=TEST_SECRET,
        client_secret_hash_memory_kib=8,
        client_secret_hash_time_cost=1,
        status_transitions_path=table,
    )
    application: Starlette = create_app(custom, clock=clock)
    async with application.router.lifespan_context(application):
        runtime: Runtime = application.state.runtime
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield await Api.for_new_company(http, runtime)


async def test_a_changed_table_changes_behaviour_with_no_code_change(
    changed_table: Api, api: Api
) -> None:
    paid = await debt_in(changed_table, "PAID")
    assert (await change_status(changed_table, paid, "ARCHIVED"))["status"] == "ARCHIVED"
    failed = await debt_in(changed_table, "FAILED")
    refused = await change_status(changed_table, failed, "PENDING")
    assert refused["allowed"] == ["PAID", "ARCHIVED"]
    # The suite's own app, on the same database, still follows the packaged table.
    default_paid = await debt_in(api, "PAID")
    assert (await change_status(api, default_paid, "ARCHIVED"))["allowed"] == []


def test_a_broken_table_stops_the_start(tmp_path: Path) -> None:
    table = tmp_path / "transitions.toml"
    table.write_text('[transitions]\nPENDING = ["SOLD"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="SOLD"):
        Settings(status_transitions_path=table)
