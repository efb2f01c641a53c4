"""Debt.version, Debt.erasedAt and Debt.events (SPEC section 11) through HTTP, both databases."""

from __future__ import annotations

from typing import Any

from tests.utils.api import VALID_DEBT, Api

EVENTS = """
query Events($id: ID!, $first: Int, $after: String) {
  debt(id: $id) {
    version erasedAt
    events(first: $first, after: $after) {
      edges { cursor node { id type at actor version reason changes { field from to } } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}
"""

UPDATE_REFERENCE = """
mutation($id: ID!, $internalId: String) {
  updateDebt(id: $id, input: {internalId: $internalId}) { __typename }
}
"""

CREATE_DEBTS = """
mutation CreateDebts($input: CreateDebtsInput!) {
  createDebts(input: $input) {
    __typename
    ... on DebtImport { created { debt { id version erasedAt } } }
  }
}
"""


async def events_of(
    api: Api, debt_id: str, first: int = 20, after: str | None = None
) -> dict[str, Any]:
    body = await api.gql(EVENTS, {"id": debt_id, "first": first, "after": after})
    assert "errors" not in body, body
    debt: dict[str, Any] = body["data"]["debt"]
    return debt


async def test_create_debt_starts_at_version_1_with_one_created_event(api: Api) -> None:
    created = await api.create_debt(VALID_DEBT)
    debt = await events_of(api, created["id"])
    assert debt["version"] == 1
    assert debt["erasedAt"] is None
    [edge] = debt["events"]["edges"]
    event = edge["node"]
    assert event["type"] == "CREATED"
    assert event["version"] == 1
    assert event["actor"].startswith("cl_")  # the API client's id
    assert event["changes"] == []
    assert event["reason"] is None
    assert event["at"] == created["importDate"]
    assert debt["events"]["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "endCursor": edge["cursor"],
    }


async def test_create_debt_with_an_idempotency_key_records_one_created_event(api: Api) -> None:
    first = await api.create_debt(VALID_DEBT, key="history-key")
    again = await api.create_debt(VALID_DEBT, key="history-key")
    assert again["id"] == first["id"]
    debt = await events_of(api, first["id"])
    assert [edge["node"]["type"] for edge in debt["events"]["edges"]] == ["CREATED"]


async def test_batch_import_records_a_created_event_per_debt(api: Api) -> None:
    body = await api.gql(CREATE_DEBTS, {"input": {"debts": [VALID_DEBT, VALID_DEBT]}})
    created = body["data"]["createDebts"]["created"]
    assert [item["debt"]["version"] for item in created] == [1, 1]
    for item in created:
        debt = await events_of(api, item["debt"]["id"])
        [edge] = debt["events"]["edges"]
        node = edge["node"]
        assert (node["type"], node["version"], node["changes"]) == ("CREATED", 1, [])
        assert node["actor"].startswith("cl_") and node["at"]


async def test_events_of_another_debt_or_a_bad_cursor_are_refused(api: Api) -> None:
    mine = await api.create_debt(VALID_DEBT)
    other = await api.create_debt(VALID_DEBT)
    cursor = (await events_of(api, other["id"]))["events"]["edges"][0]["cursor"]
    for after in (cursor, "not-a-cursor"):
        body = await api.gql(EVENTS, {"id": mine["id"], "after": after})
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert error["extensions"]["argument"] == "after"
    body = await api.gql(EVENTS, {"id": mine["id"], "first": 101})
    assert body["errors"][0]["extensions"]["argument"] == "first"


async def test_events_are_paged_newest_first(api: Api) -> None:
    created = await api.create_debt(VALID_DEBT)
    for reference in ("INT-1", "INT-2", "INT-3"):
        body = await api.gql(UPDATE_REFERENCE, {"id": created["id"], "internalId": reference})
        assert body["data"]["updateDebt"]["__typename"] == "Debt", body
    first = (await events_of(api, created["id"], first=2))["events"]
    assert [edge["node"]["version"] for edge in first["edges"]] == [4, 3]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    rest = (await events_of(api, created["id"], first=2, after=first["pageInfo"]["endCursor"]))[
        "events"
    ]
    assert [edge["node"]["version"] for edge in rest["edges"]] == [2, 1]
    assert [edge["node"]["type"] for edge in rest["edges"]] == ["UPDATED", "CREATED"]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert rest["pageInfo"]["hasPreviousPage"] is True
    [latest] = first["edges"][:1]
    assert latest["node"]["changes"] == [{"field": "internalId", "from": "INT-2", "to": "INT-3"}]
