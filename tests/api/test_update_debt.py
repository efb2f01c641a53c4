"""updateDebt (SPEC section 11) through HTTP + GraphQL, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.runtime import Runtime
from tests.utils.api import VALID_DEBT, Api
from tests.utils.changes import change_status, events, set_status_as_operator, update_debt
from tests.utils.clock import Clock
from tests.utils.timelines import timeline_id

FULL_DEBT: dict[str, Any] = {
    **VALID_DEBT,
    "civility": "MR",
    "email": "jean@example.com",
    "birthdate": "1980-05-17",
    "object": "Invoice 12",
    "internalId": "INT-1",
    "invoiceReference": "F-12",
    "debtorReference": "D-9",
    "invoiceDate": "2024-01-10",
    "dueDate": "2024-02-10",
    "address": "1 rue de la Paix, 75002 Paris",
    "streetAddress": "rue de la Paix",
    "streetNumber": "1",
    "postalCode": "75002",
    "city": "Paris",
    "country": "FR",
    "iban": "FR1420041010050500013M02606",
    "company": "ACME",
    "debtorCompany": "Dupont SARL",
    "paymentLink": "https://pay.example.com/x",
    "metadata": {"a": 1},
}

# Each optional field: a new valid value, the value it comes back as.
OPTIONAL_CHANGES = [
    ("civility", "MS", "MS"),
    ("email", "Marie@Example.COM", "Marie@example.com"),
    ("birthdate", "1990-01-02", "1990-01-02"),
    ("object", " Invoice 13 ", "Invoice 13"),
    ("internalId", "INT-2", "INT-2"),
    ("invoiceReference", "F-13", "F-13"),
    ("debtorReference", "D-10", "D-10"),
    ("invoiceDate", "2024-01-11", "2024-01-11"),
    ("dueDate", "2024-03-01", "2024-03-01"),
    ("address", "2 rue X", "2 rue X"),
    ("streetAddress", "rue X", "rue X"),
    ("streetNumber", "2", "2"),
    ("postalCode", "75003", "75003"),
    ("city", "Lyon", "Lyon"),
    ("country", "be", "BE"),
    ("iban", "DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ("company", "Other", "Other"),
    ("debtorCompany", "Other SARL", "Other SARL"),
    ("paymentLink", "https://pay.example.com/y", "https://pay.example.com/y"),
    ("metadata", {"b": 2}, {"b": 2}),
]


@pytest.fixture
async def other(http: httpx.AsyncClient, runtime: Runtime) -> Api:
    """A second company."""
    return await Api.for_new_company(http, runtime)


PERSONAL = {
    "civility", "email", "birthdate", "address", "streetAddress", "streetNumber", "postalCode",
    "city", "iban", "debtorCompany", "paymentLink", "metadata", "phone", "firstname",
    "lastname", "destination",
}  # fmt: skip


@pytest.mark.parametrize(("field", "value", "stored"), OPTIONAL_CHANGES)
async def test_an_optional_field_changes_clears_or_stays(
    api: Api, field: str, value: Any, stored: Any
) -> None:
    debt = await api.create_debt(FULL_DEBT)
    changed = await update_debt(api, debt["id"], {field: value})
    assert changed["__typename"] == "Debt", changed
    assert changed[field] == stored
    assert changed["version"] == 2
    untouched = {k: v for k, v in debt.items() if k not in (field, "version")}
    assert {k: changed[k] for k in untouched} == untouched  # omitted fields are kept
    [updated, _] = await events(api, debt["id"])
    assert updated["type"] == "UPDATED" and updated["version"] == 2
    [change] = updated["changes"]
    assert change["field"] == field
    if field in PERSONAL:
        assert change["from"] is None and change["to"] is None  # by name only
    else:
        assert change["from"] == debt[field] and change["to"] == stored

    cleared = await update_debt(api, debt["id"], {field: None})
    assert cleared["__typename"] == "Debt", cleared
    assert cleared[field] is None
    assert cleared["version"] == 3


@pytest.mark.parametrize("field", ["firstname", "lastname", "amount", "currency"])
async def test_a_required_field_cannot_be_cleared(api: Api, field: str) -> None:
    debt = await api.create_debt(VALID_DEBT)
    refused = await update_debt(api, debt["id"], {field: None})
    assert refused["__typename"] == "ValidationError"
    assert [(f["field"], f["code"]) for f in refused["fields"]] == [(field, "REQUIRED")]
    assert (await api.debt(debt["id"])) == await api.debt(debt["id"])
    assert len(await events(api, debt["id"])) == 1


async def test_every_problem_at_once_and_nothing_changes(api: Api) -> None:
    debt = await api.create_debt(VALID_DEBT)
    refused = await update_debt(
        api,
        debt["id"],
        {"firstname": " ", "email": "not-an-email", "invoiceDate": "2024-05-01",
         "dueDate": "2024-04-01", "iban": "FR00", "amount": "-1"},
    )  # fmt: skip
    assert refused["__typename"] == "ValidationError"
    assert [(f["field"], f["code"]) for f in refused["fields"]] == [
        ("firstname", "REQUIRED"),
        ("email", "INVALID_EMAIL"),
        ("amount", "INVALID_AMOUNT"),
        ("dueDate", "DUE_DATE_BEFORE_INVOICE_DATE"),
        ("iban", "INVALID_IBAN"),
    ]
    after = await api.debt(debt["id"])
    assert after is not None and after["firstname"] == "Jean" and after["email"] is None
    assert len(await events(api, debt["id"])) == 1


async def test_clearing_the_only_contact_is_refused(api: Api) -> None:
    debt = await api.create_debt(VALID_DEBT)
    refused = await update_debt(api, debt["id"], {"phone": None})
    assert [(f["field"], f["code"]) for f in refused["fields"]] == [
        ("phone", "CONTACT_REQUIRED"),
        ("email", "CONTACT_REQUIRED"),
    ]
    moved = await update_debt(api, debt["id"], {"phone": None, "email": "a@b.fr"})
    assert moved["phone"] is None and moved["destination"] is None


async def test_a_no_op_update_keeps_the_version_and_records_nothing(api: Api) -> None:
    debt = await api.create_debt(FULL_DEBT)
    same = await update_debt(
        api,
        debt["id"],
        {"firstname": " Jean ", "phone": "+33 6 12 34 56 78", "amount": "1250", "country": "fr"},
        expected_version=1,
    )
    assert same["__typename"] == "Debt" and same["version"] == 1
    assert await update_debt(api, debt["id"], {}) == same
    assert len(await events(api, debt["id"])) == 1


async def test_phone_is_renormalized_and_repriced_with_the_cost_guard(api: Api) -> None:
    debt = await api.create_debt(VALID_DEBT)
    held = await update_debt(api, debt["id"], {"phone": "+262692123456"})
    assert held["__typename"] == "ExpensiveDestinationError"
    assert held["expensiveDestination"]["tier"] == "DOM_TOM"
    assert (await api.debt(debt["id"]) or {})["phone"] == "+33612345678"
    moved = await update_debt(
        api, debt["id"], {"phone": "+262692123456", "acceptExpensiveDestination": True}
    )
    assert moved["phone"] == "+262692123456"
    assert moved["destination"]["tier"] == "DOM_TOM"
    # The number stays expensive, but it is not new: other changes need no consent again.
    assert (await update_debt(api, debt["id"], {"city": "Saint-Denis"}))["__typename"] == "Debt"
    overseas = await update_debt(api, debt["id"], {"phone": "0690123456", "country": "GP"})
    assert overseas["__typename"] == "ExpensiveDestinationError"
    bad = await update_debt(api, debt["id"], {"phone": "06123"})
    assert [(f["field"], f["code"]) for f in bad["fields"]] == [("phone", "PHONE_TOO_SHORT")]


async def test_version_conflict_changes_nothing(api: Api) -> None:
    debt = await api.create_debt(VALID_DEBT)
    assert (await update_debt(api, debt["id"], {"city": "Lyon"}, expected_version=1))[
        "version"
    ] == 2
    stale = await update_debt(api, debt["id"], {"city": "Nice"}, expected_version=1)
    assert stale["__typename"] == "VersionConflict"
    assert stale["currentVersion"] == 2
    assert (await update_debt(api, debt["id"], {"city": "Nice"}))["version"] == 3


@pytest.mark.parametrize("status", ["PAID", "ARCHIVED"])
async def test_a_closed_debt_is_locked(api: Api, status: str) -> None:
    debt = await api.create_debt(VALID_DEBT)
    assert (await change_status(api, debt["id"], status))["status"] == status
    locked = await update_debt(api, debt["id"], {"city": "Lyon"})
    assert locked["__typename"] == "DebtLocked"
    assert locked["lockedStatus"] == status


@pytest.mark.parametrize(
    ("status", "amount_changes"),
    [("PENDING", True), ("ON_HOLD", True), ("IN_PROGRESS", False), ("FAILED", False)],
)
async def test_amount_and_currency_change_only_while_pending_or_on_hold(
    api: Api, status: str, amount_changes: bool
) -> None:
    debt = await api.create_debt(VALID_DEBT)
    await set_status_as_operator(api, debt["id"], status)  # as the workflow would
    for change in ({"amount": "99.50"}, {"currency": "USD"}):
        result = await update_debt(api, debt["id"], change)
        if amount_changes:
            assert result["__typename"] == "Debt", result
        else:
            assert result["__typename"] == "DebtLocked"
            assert result["lockedStatus"] == status
    # Other fields still change in every open status; the same amount is no change at all.
    assert (await update_debt(api, debt["id"], {"city": "Lyon"}))["__typename"] == "Debt"


async def test_timeline_changes_start_from_now(api: Api, clock: Clock) -> None:
    timeline = await timeline_id(api)
    clock.set(datetime(2025, 5, 30, 8, 0, tzinfo=UTC))  # a Friday
    debt = await api.create_debt({**VALID_DEBT, "timelineId": timeline})
    assert debt["timelineStartAt"] == "2025-05-30T10:00:00+02:00"  # IMMEDIATE: the import

    clock.set(datetime(2025, 6, 2, 10, 0, tzinfo=UTC))  # the Monday after
    next_day = await update_debt(api, debt["id"], {"timelineStartMode": "NEXT_DAY"})
    assert next_day["timelineId"] == timeline
    assert next_day["timelineStartMode"] == "NEXT_DAY"
    assert next_day["timelineStartAt"] == "2025-06-03T09:00:00+02:00"
    assert next_day["importDate"] == debt["importDate"]

    # The same timeline and mode again: nothing changes, the start stays.
    clock.set(datetime(2025, 6, 4, 10, 0, tzinfo=UTC))
    same = await update_debt(
        api, debt["id"], {"timelineId": timeline, "timelineStartMode": "NEXT_DAY"}
    )
    assert same["version"] == next_day["version"]
    assert same["timelineStartAt"] == "2025-06-03T09:00:00+02:00"

    immediate = await update_debt(api, debt["id"], {"timelineStartMode": "IMMEDIATE"})
    assert immediate["timelineStartAt"] == "2025-06-04T12:00:00+02:00"  # now, not the import


@pytest.mark.parametrize("ignored", ["tl_unknown", "garbage", None])
async def test_an_ignored_or_cleared_timeline_leaves_none(api: Api, ignored: str | None) -> None:
    timeline = await timeline_id(api)
    debt = await api.create_debt({**VALID_DEBT, "timelineId": timeline})
    changed = await update_debt(api, debt["id"], {"timelineId": ignored})
    assert changed["__typename"] == "Debt"
    assert (changed["timelineId"], changed["timelineStartMode"], changed["timelineStartAt"]) == (
        None,
        None,
        None,
    )
    again = await update_debt(api, debt["id"], {"timelineId": timeline})
    assert again["timelineId"] == timeline and again["timelineStartMode"] == "IMMEDIATE"


async def test_another_companys_timeline_is_ignored(api: Api, other: Api) -> None:
    foreign = await timeline_id(other)
    debt = await api.create_debt(VALID_DEBT)
    changed = await update_debt(api, debt["id"], {"timelineId": foreign})
    assert changed["timelineId"] is None and changed["version"] == 1  # nothing to change
