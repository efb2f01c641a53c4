"""debts: the caller's debts, newest first, in cursor pages, filtered; on both backends."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlmodel import col

from app.domain.debts import DebtStatus
from app.services.debt_listing import DebtFilter, listing_statement
from app.services.tenants import TenantDirectory
from app.storage.models import Debt
from tests.utils.api import VALID_DEBT, Api, fetch_token
from tests.utils.clock import Clock
from tests.utils.factories import make_client

DEBTS = """
query Debts($first: Int!, $after: String, $filter: DebtFilter) {
  debts(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id status internalId importDate amountText } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


async def create_at(api: Api, clock: Clock, at: datetime, **fields: Any) -> str:
    clock.set(at)
    created = await api.create_debt({**VALID_DEBT, **fields})
    assert created["__typename"] == "Debt", created
    debt_id: str = created["id"]
    return debt_id


async def page(api: Api, first: int, after: str | None = None, **filter: Any) -> dict[str, Any]:
    body = await api.gql(DEBTS, {"first": first, "after": after, "filter": filter or None})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["debts"]
    return result


def node_ids(result: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in result["edges"]]


async def every_id(api: Api, first: int, **filter: Any) -> list[str]:
    """Walk the listing page by page, as a front-end does."""
    ids: list[str] = []
    after = None
    while True:
        result = await page(api, first, after, **filter)
        ids += node_ids(result)
        if not result["pageInfo"]["hasNextPage"]:
            return ids
        after = result["pageInfo"]["endCursor"]


async def errors_of(api: Api, variables: dict[str, Any]) -> list[dict[str, Any]]:
    body = await api.gql(DEBTS, variables)
    assert body.get("data") is None, body
    errors: list[dict[str, Any]] = body["errors"]
    return errors


async def test_pages_walk_every_debt_once_newest_first(api: Api, clock: Clock) -> None:
    created = [await create_at(api, clock, T0 + timedelta(minutes=i)) for i in range(7)]

    first = await page(api, 3)
    second = await page(api, 3, first["pageInfo"]["endCursor"])
    third = await page(api, 3, second["pageInfo"]["endCursor"])

    newest_first = created[::-1]
    assert node_ids(first) == newest_first[0:3]
    assert node_ids(second) == newest_first[3:6]
    assert node_ids(third) == newest_first[6:7]
    assert [p["pageInfo"]["hasNextPage"] for p in (first, second, third)] == [True, True, False]
    assert [p["pageInfo"]["hasPreviousPage"] for p in (first, second, third)] == [
        False,
        True,
        True,
    ]
    for result in (first, second, third):
        edges = result["edges"]
        assert result["pageInfo"]["startCursor"] == edges[0]["cursor"]
        assert result["pageInfo"]["endCursor"] == edges[-1]["cursor"]
    dates = [datetime.fromisoformat(e["node"]["importDate"]) for e in first["edges"]]
    assert dates == sorted(dates, reverse=True)


async def test_debts_imported_at_the_same_instant_are_each_listed_once(
    api: Api, clock: Clock
) -> None:
    created = {await create_at(api, clock, T0) for _ in range(5)}
    created.add(await create_at(api, clock, T0 - timedelta(seconds=1)))

    walked = await every_id(api, 2)

    assert sorted(walked) == sorted(created)
    assert walked == await every_id(api, 1)  # a stable tie-break, whatever the page size
    assert walked[-1] == (await page(api, 100))["edges"][-1]["node"]["id"]


async def test_an_empty_listing_has_an_empty_page(api: Api) -> None:
    result = await page(api, 10)
    assert result == {
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }


async def test_first_zero_tells_only_whether_debts_exist(api: Api, clock: Clock) -> None:
    await create_at(api, clock, T0)
    result = await page(api, 0)
    assert result["edges"] == []
    assert result["pageInfo"]["hasNextPage"] is True


async def test_status_filter(api: Api, clock: Clock) -> None:
    pending = await create_at(api, clock, T0)
    paid = [await create_at(api, clock, T0 + timedelta(minutes=i)) for i in (1, 2)]
    async with api.runtime.sessions() as session:
        await session.exec(
            update(Debt).where(col(Debt.public_id).in_(paid)).values(status=DebtStatus.PAID.value)
        )
        await session.commit()

    assert await every_id(api, 1, status="PAID") == paid[::-1]
    assert await every_id(api, 1, status="PENDING") == [pending]
    assert await every_id(api, 1, status="ARCHIVED") == []


async def test_internal_id_filter_matches_exactly(api: Api, clock: Clock) -> None:
    first = await create_at(api, clock, T0, internalId="INV-1")
    second = await create_at(api, clock, T0 + timedelta(hours=1), internalId="INV-1")
    await create_at(api, clock, T0, internalId="INV-10")
    await create_at(api, clock, T0)

    assert await every_id(api, 10, internalId="INV-1") == [second, first]
    assert await every_id(api, 10, internalId="  INV-1 ") == [second, first]
    assert await every_id(api, 10, internalId="inv-1") == []
    assert len(await every_id(api, 10, internalId="  ")) == 4  # blank means not given


async def test_import_date_range_is_from_inclusive_to_exclusive(api: Api, clock: Clock) -> None:
    ids = [await create_at(api, clock, T0 + timedelta(days=i)) for i in range(4)]

    in_range = await every_id(
        api,
        10,
        importedFrom=(T0 + timedelta(days=1)).isoformat(),
        importedBefore=(T0 + timedelta(days=3)).isoformat(),
    )
    assert in_range == [ids[2], ids[1]]
    # The same instants written with another offset select the same debts.
    paris = "2025-03-04T10:00:00+01:00"  # = T0 + 1 day
    assert await every_id(api, 10, importedFrom=paris) == [ids[3], ids[2], ids[1]]
    assert await every_id(api, 10, importedBefore=paris) == [ids[0]]


async def test_filters_combine(api: Api, clock: Clock) -> None:
    wanted = await create_at(api, clock, T0 + timedelta(days=1), internalId="A")
    await create_at(api, clock, T0, internalId="A")
    await create_at(api, clock, T0 + timedelta(days=1), internalId="B")

    found = await every_id(
        api, 10, status="PENDING", internalId="A", importedFrom="2025-03-04T00:00:00Z"
    )
    assert found == [wanted]


@pytest.mark.parametrize(
    "imported_from",
    ["2025-03-04", "2025-03-04T10:00:00", "yesterday", "2025-02-30T00:00:00Z", 1741000000],
)
async def test_a_date_range_without_a_definite_instant_is_refused(
    api: Api, imported_from: object
) -> None:
    errors = await errors_of(api, {"first": 5, "filter": {"importedFrom": imported_from}})
    assert "importedFrom" in errors[0]["message"]
    assert errors[0].get("extensions", {}).get("code") != "INTERNAL"


async def test_another_companys_debts_are_never_listed(api: Api, clock: Clock) -> None:
    other = await Api.for_new_company(api.http, api.runtime)
    theirs = await create_at(other, clock, T0 + timedelta(hours=1), internalId="SHARED")
    mine = await create_at(api, clock, T0, internalId="SHARED")

    assert await every_id(api, 1) == [mine]
    assert await every_id(api, 1, internalId="SHARED") == [mine]
    assert await every_id(other, 1) == [theirs]


async def test_cursors_cannot_reach_another_companys_rows(api: Api, clock: Clock) -> None:
    other = await Api.for_new_company(api.http, api.runtime)
    for i in range(3):
        await create_at(other, clock, T0 + timedelta(minutes=i))
    await create_at(api, clock, T0 - timedelta(days=1))
    foreign_cursor = (await page(other, 1))["pageInfo"]["endCursor"]
    my_cursor = (await page(api, 1))["pageInfo"]["endCursor"]

    foreign = await errors_of(api, {"first": 5, "after": foreign_cursor})
    garbage = await errors_of(api, {"first": 5, "after": "not-a-cursor"})
    # A cursor is not the debt's id, nor any id of another kind.
    debt_id = (await page(api, 1))["edges"][0]["node"]["id"]
    by_id = await errors_of(api, {"first": 5, "after": debt_id})

    assert foreign == garbage == by_id
    assert foreign[0]["extensions"] == {"code": "BAD_REQUEST", "argument": "after"}
    assert foreign[0]["path"] == ["debts"]
    assert (await page(api, 5, my_cursor))["edges"] == []


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "=",
        "ZGVidF8",
        "x" * 10_000,
        "ZGVidF_",
        "é",
        "AAAA",
        b64(b"debt_\x00abc"),  # PostgreSQL refuses NUL in text: must not become a fault
        b64(b"debt_" + b"a" * 200),
        b64("debt_é".encode()),
        b64(b"tl_abc"),
    ],
)
async def test_malformed_cursors_are_a_clear_error(api: Api, cursor: str) -> None:
    errors = await errors_of(api, {"first": 5, "after": cursor})
    assert errors[0]["extensions"] == {"code": "BAD_REQUEST", "argument": "after"}


async def test_first_is_at_most_100(api: Api, clock: Clock) -> None:
    await create_at(api, clock, T0)
    assert len(node_ids(await page(api, 100))) == 1

    for first in (101, 1000, -1, 2**31 - 1):
        errors = await errors_of(api, {"first": first})
        assert errors[0]["message"] == f"first must be between 0 and 100, got {first}"
        assert errors[0]["extensions"] == {
            "code": "BAD_REQUEST",
            "argument": "first",
            "maximum": 100,
        }


async def test_listing_needs_a_token_with_debts_read(api: Api) -> None:
    anonymous = await errors_of_token(api, None)
    assert anonymous[0]["extensions"]["code"] == "UNAUTHENTICATED"

    writer = await make_client(api.runtime, api.company_id, scopes=("debts:write",))
    token = await fetch_token(api.http, writer.client_id, writer.client_secret)
    forbidden = await errors_of_token(api, token)
    assert forbidden[0]["extensions"]["code"] == "FORBIDDEN"
    assert forbidden[0]["message"] == 'Required scope "debts:read" not found in token'


async def errors_of_token(api: Api, token: str | None) -> list[dict[str, Any]]:
    body = await api.gql(DEBTS, {"first": 5}, token=token)
    assert body.get("data") is None, body
    errors: list[dict[str, Any]] = body["errors"]
    return errors


INDEX_FOR_FILTER = [
    (DebtFilter(), "ix_debt_company_import_date"),
    (DebtFilter(status=DebtStatus.PAID), "ix_debt_company_status_import_date"),
    (DebtFilter(status=DebtStatus.PAID, imported_from=T0), "ix_debt_company_status_import_date"),
    (DebtFilter(internal_id="INV-7"), "ix_debt_company_internal_id_import_date"),
    (DebtFilter(imported_from=T0, imported_before=T0), "ix_debt_company_import_date"),
]


async def test_an_index_serves_each_filter(api: Api) -> None:
    # Realistic statistics first (distinct internalIds, few PAID), so the plan is the one a
    # real table gets: on a near-empty table any index, or none, is as cheap as another.
    batch = {"debts": [{**VALID_DEBT, "internalId": f"INV-{i}"} for i in range(300)]}
    body = await api.gql(
        "mutation($input: CreateDebtsInput!) { createDebts(input: $input) { __typename } }",
        {"input": batch},
    )
    assert body == {"data": {"createDebts": {"__typename": "DebtImport"}}}, body
    async with api.runtime.sessions() as session:
        await session.exec(
            update(Debt)
            .where(col(Debt.internal_id).in_([f"INV-{i}" for i in range(0, 300, 10)]))
            .values(status=DebtStatus.PAID.value)
        )
        await session.commit()
    tenant = await TenantDirectory(api.runtime.engine).find(api.company_id)
    assert tenant is not None

    async with api.runtime.engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        for wanted, index in INDEX_FOR_FILTER:
            statement = listing_statement(tenant, wanted, limit=21)
            compiled = statement.compile(
                dialect=connection.dialect, compile_kwargs={"literal_binds": True}
            )
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SET LOCAL enable_seqscan = off"))
                plan = (await connection.execute(text(f"EXPLAIN {compiled}"))).scalars().all()
            else:
                explained = await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
                plan = [row[-1] for row in explained]
            assert any(index in line for line in plan), (wanted, "\n".join(plan))
