"""Concurrent changes of one debt against a live server on PostgreSQL (SPEC section 11):
with one expectedVersion exactly one wins; without, none is lost."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
import pytest

from tests.utils.api import VALID_DEBT, Api
from tests.utils.changes import CHANGE_DEBT_STATUS, UPDATE_DEBT, events

CONCURRENT = 8


@pytest.fixture
def live(backend: str, server_url: str) -> str:
    if backend != "postgresql":
        pytest.skip("the race needs concurrent writers: PostgreSQL's")
    return server_url


async def _all_at_once(
    api: Api, url: str, requests: list[tuple[str, dict[str, Any]]], name: str
) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {api.token}"}
    limits = httpx.Limits(max_connections=len(requests))
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits) as client:
        responses = await asyncio.gather(
            *(
                client.post("/graphql", json={"query": query, "variables": variables})
                for query, variables in requests
            )
        )
    bodies = [response.json() for response in responses]
    assert all("errors" not in body for body in bodies), bodies
    return [body["data"][name] for body in bodies]


async def test_same_expected_version_exactly_one_update_wins(api: Api, live: str) -> None:
    debt = await api.create_debt(VALID_DEBT)
    requests = [
        (
            UPDATE_DEBT,
            {
                "id": debt["id"],
                "input": {"city": f"City{i}", "postalCode": f"{i:05d}", "amount": f"{i + 1}.00"},
                "expectedVersion": 1,
            },
        )
        for i in range(CONCURRENT)
    ]
    results = await _all_at_once(api, live, requests, "updateDebt")
    winners = [r for r in results if r["__typename"] == "Debt"]
    losers = [r for r in results if r["__typename"] != "Debt"]
    assert len(winners) == 1, results
    assert {(r["__typename"], r["currentVersion"]) for r in losers} == {("VersionConflict", 2)}
    [winner] = winners
    i = int(winner["city"].removeprefix("City"))
    stored = await api.debt(debt["id"])
    assert stored is not None
    # The winner's change whole, nobody else's in part.
    assert (winner["postalCode"], winner["amount"], winner["version"]) == (
        f"{i:05d}",
        f"{i + 1}.00",
        2,
    )
    assert stored["amount"] == winner["amount"]
    [updated, created] = await events(api, debt["id"])
    assert (updated["type"], updated["version"], created["type"]) == ("UPDATED", 2, "CREATED")
    assert {c["field"] for c in updated["changes"]} == {"city", "postalCode", "amount"}


async def test_same_expected_version_exactly_one_status_change_wins(api: Api, live: str) -> None:
    debt = await api.create_debt(VALID_DEBT)
    targets = ["ON_HOLD", "PAID", "ARCHIVED"] * 3
    requests = [
        (CHANGE_DEBT_STATUS, {"id": debt["id"], "status": status, "expectedVersion": 1})
        for status in targets
    ]
    results = await _all_at_once(api, live, requests, "changeDebtStatus")
    assert [r["__typename"] for r in results].count("Debt") == 1, results
    assert len(await events(api, debt["id"])) == 2


async def test_without_expected_version_no_change_is_lost(api: Api, live: str) -> None:
    debt = await api.create_debt(VALID_DEBT)
    requests = [
        (UPDATE_DEBT, {"id": debt["id"], "input": {"city": f"City{i}"}}) for i in range(CONCURRENT)
    ]
    results = await _all_at_once(api, live, requests, "updateDebt")
    assert all(r["__typename"] == "Debt" for r in results), results
    assert sorted(r["version"] for r in results) == list(range(2, CONCURRENT + 2))
    history = await events(api, debt["id"])
    assert [e["version"] for e in history] == list(range(CONCURRENT + 1, 0, -1))
    # Each change was applied to the one before it: the event chain has no gap.
    changes = [e["changes"][0] for e in reversed(history[:-1])]
    assert all(a["to"] == b["from"] for a, b in itertools.pairwise(changes))
