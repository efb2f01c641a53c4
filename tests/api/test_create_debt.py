"""createDebt and debt(id) end to end: HTTP, GraphQL, a real database on both backends."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from tests.utils.api import DEBT, VALID_DEBT, Api

FULL_DEBT: dict[str, Any] = {
    "firstname": "  Jean ",
    "lastname": "Dupont",
    "civility": "MR",
    "phone": "+33 6 12 34 56 78",
    "email": "Jean.Dupont@Example.COM",
    "amount": "1250.5",
    "currency": "eur",
    "birthdate": "1980-02-29",
    "object": "Unpaid invoice",
    "internalId": "INT-42",
    "invoiceReference": "INV-2024-001",
    "debtorReference": "CUST-7",
    "invoiceDate": "2024-01-05",
    "dueDate": "2024-02-05",
    "address": "12 rue de la Paix, 75002 Paris",
    "streetAddress": "rue de la Paix",
    "streetNumber": "12",
    "postalCode": "75002",
    "city": "Paris",
    "country": "fr",
    "iban": "fr14 2004 1010 0505 0001 3m02 606",
    "company": "Creditor SA",
    "debtorCompany": "Dupont SARL",
    "paymentLink": "https://pay.example.com/i/42",
    "metadata": {"source": "erp", "tags": ["a", "b"], "nested": {"n": 1}},
}


async def test_full_debt_round_trips_through_create_and_read(api: Api) -> None:
    created = await api.create_debt(FULL_DEBT)

    assert created["__typename"] == "Debt"
    assert created["status"] == "PENDING"
    assert created["firstname"] == "Jean"
    assert created["phone"] == "+33612345678"
    assert created["email"] == "Jean.Dupont@example.com"
    assert created["amount"] == "1250.50"
    assert created["amountText"] == "1250.50"
    assert created["currency"] == "EUR"
    assert created["country"] == "FR"
    assert created["iban"] == "FR1420041010050500013M02606"
    assert created["company"] == "Creditor SA"
    assert created["metadata"] == FULL_DEBT["metadata"]
    assert created["destination"] == {
        "country": "FR",
        "tier": "FRANCE_MAINLAND",
        "creditsPerCall": 25,
        "multiplier": 1.0,
        "expensive": False,
    }
    assert (created["nbReminders"], created["nbAnswered"], created["followupsCount"]) == (0, 0, 0)
    assert created["summary"] is None
    assert created["timelineId"] is None
    assert created["timelineStartMode"] is None
    assert created["timelineStartAt"] is None
    assert datetime.fromisoformat(created["importDate"]).utcoffset() is not None
    assert not created["id"].isdigit()

    read = await api.debt(created["id"])
    assert read is not None
    for field in read:
        assert read[field] == created[field], field
    assert await api.debt_count() == 1


async def test_email_only_debt_has_no_destination(api: Api) -> None:
    debt = {**VALID_DEBT, "phone": None, "email": "debtor@example.org"}
    created = await api.create_debt(debt)
    assert created["__typename"] == "Debt"
    assert created["destination"] is None


async def test_amounts_keep_their_exact_decimals(api: Api) -> None:
    for amount, currency, text in [
        ("1234.565", "TND", "1234.565"),
        ("0.10", "EUR", "0.10"),
        (1250, "JPY", "1250"),
        ("999999999999.99", "EUR", "999999999999.99"),
    ]:
        created = await api.create_debt({**VALID_DEBT, "amount": amount, "currency": currency})
        assert created["__typename"] == "Debt", created
        assert created["amountText"] == text
        read = await api.debt(created["id"])
        assert read is not None
        assert Decimal(read["amount"]) == Decimal(text)
        assert read["amount"] == text


async def test_unknown_id_reads_null(api: Api) -> None:
    assert await api.debt("debt_doesnotexist") is None
    assert await api.debt("1") is None
    assert await api.debt("") is None
    assert await api.debt("debt_\x00") is None  # PostgreSQL text cannot hold NUL


async def test_another_companys_debt_reads_exactly_like_a_missing_one(api: Api) -> None:
    other = await Api.for_new_company(api.http, api.runtime)
    created = await other.create_debt(VALID_DEBT)

    foreign = await api.gql(DEBT, {"id": created["id"]})
    missing = await api.gql(DEBT, {"id": "debt_" + "x" * 22})

    assert foreign == missing == {"data": {"debt": None}}
    assert await api.debt_count() == 0
