"""createDebts: a batch checked item by item exactly as createDebt, valid items stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.utils.api import DEBT_FIELDS, VALID_DEBT, Api
from tests.utils.clock import Clock
from tests.utils.factories import make_timeline

CREATE_DEBTS = """
mutation CreateDebts($input: CreateDebtsInput!, $key: String) {
  createDebts(input: $input, idempotencyKey: $key) {
    __typename
    ... on DebtImport {
      importId batchName
      summary { total created failed }
      created { index tempId debt { id status phone amountText destination { tier } } }
      failed {
        index tempId
        error {
          __typename
          ... on ValidationError { message fields { field code message } }
          ... on ExpensiveDestinationError { message destination { country tier } }
        }
      }
    }
    ... on ValidationError { message fields { field code message } }
  }
}
"""

INVALID = {**VALID_DEBT, "firstname": "", "amount": "-5"}
EXPENSIVE = {**VALID_DEBT, "phone": "+262692123456"}


def mixed_item(index: int) -> dict[str, Any]:
    """A quarter valid, invalid, expensive, and expensive-but-accepted, in turn."""
    kind = index % 4
    debt = [VALID_DEBT, INVALID, EXPENSIVE, {**EXPENSIVE, "acceptExpensiveDestination": True}][kind]
    return {**debt, "tempId": f"t{index}", "internalId": f"row-{index}"}


async def create_debts(api: Api, batch: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    body = await api.gql(CREATE_DEBTS, {"input": batch, "key": key})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["createDebts"]
    return result


async def test_mixed_batch_of_a_thousand(api: Api) -> None:
    items = [mixed_item(i) for i in range(1000)]

    result = await create_debts(api, {"batchName": "November books", "debts": items})

    assert result["__typename"] == "DebtImport"
    assert result["batchName"] == "November books"
    assert result["summary"] == {"total": 1000, "created": 500, "failed": 500}
    created, failed = result["created"], result["failed"]
    assert [c["index"] for c in created] == [i for i in range(1000) if i % 4 in (0, 3)]
    assert [f["index"] for f in failed] == [i for i in range(1000) if i % 4 in (1, 2)]
    for entry in created + failed:
        assert entry["tempId"] == f"t{entry['index']}"
    assert {c["debt"]["destination"]["tier"] for c in created} == {"FRANCE_MAINLAND", "DOM_TOM"}
    assert all(c["debt"]["status"] == "PENDING" for c in created)
    assert len({c["debt"]["id"] for c in created}) == 500
    invalid = failed[0]["error"]
    assert invalid["__typename"] == "ValidationError"
    assert [(f["field"], f["code"]) for f in invalid["fields"]] == [
        ("firstname", "REQUIRED"),
        ("amount", "INVALID_AMOUNT"),
    ]
    expensive = failed[1]["error"]
    assert expensive["__typename"] == "ExpensiveDestinationError"
    assert expensive["destination"] == {"country": "RE", "tier": "DOM_TOM"}
    assert await api.debt_count() == 500


async def test_items_are_checked_exactly_as_create_debt_checks_them(api: Api) -> None:
    single = await api.create_debt(INVALID)
    batch = await create_debts(api, {"debts": [INVALID]})
    assert batch["failed"][0]["error"]["fields"] == single["fields"]


async def test_batch_level_flag_accepts_every_expensive_item(api: Api) -> None:
    result = await create_debts(
        api, {"acceptExpensiveDestination": True, "debts": [EXPENSIVE, EXPENSIVE, VALID_DEBT]}
    )
    assert result["summary"] == {"total": 3, "created": 3, "failed": 0}
    assert [c["tempId"] for c in result["created"]] == [None, None, None]


async def test_default_batch_name_uses_the_company_time_zone(api: Api, clock: Clock) -> None:
    clock.set(datetime(2024, 7, 1, 22, 30, tzinfo=UTC))  # 00:30 on 2 July in Paris
    result = await create_debts(api, {"debts": [VALID_DEBT]})
    assert result["batchName"] == "API Batch - 02/07/2024 00:30"


async def test_more_than_a_thousand_items_is_one_error_and_writes_nothing(api: Api) -> None:
    result = await create_debts(api, {"debts": [VALID_DEBT] * 1001})
    assert result == {
        "__typename": "ValidationError",
        "message": "Validation failed",
        "fields": [
            {
                "field": "debts",
                "code": "TOO_LONG",
                "message": "at most 1000 debts per batch, got 1001",
            }
        ],
    }
    assert await api.debt_count() == 0


async def test_an_empty_batch_is_refused(api: Api) -> None:
    result = await create_debts(api, {"debts": []})
    assert result["__typename"] == "ValidationError"
    assert result["fields"][0]["code"] == "REQUIRED"


async def test_a_batch_of_only_failures_writes_no_debt(api: Api) -> None:
    result = await create_debts(api, {"debts": [INVALID, EXPENSIVE]})
    assert result["summary"] == {"total": 2, "created": 0, "failed": 2}
    assert await api.debt_count() == 0


async def test_batch_needs_the_write_scope(api: Api) -> None:
    body = await api.gql(CREATE_DEBTS, {"input": {"debts": [VALID_DEBT]}}, token=None)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await api.debt_count() == 0


async def test_replaying_a_batch_with_its_key_returns_the_first_import(api: Api) -> None:
    batch = {"batchName": "Replayed", "debts": [mixed_item(i) for i in range(8)]}

    first = await create_debts(api, batch, key="batch-2024-11")
    again = await create_debts(api, batch, key="batch-2024-11")

    assert again == first
    assert first["summary"] == {"total": 8, "created": 4, "failed": 4}
    assert await api.debt_count() == 4


async def test_the_same_key_with_another_batch_is_a_conflict(api: Api) -> None:
    await create_debts(api, {"debts": [VALID_DEBT]}, key="k1")

    body = await api.gql(CREATE_DEBTS, {"input": {"debts": [VALID_DEBT] * 2}, "key": "k1"})

    assert body["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_CONFLICT"
    assert await api.debt_count() == 1


async def test_a_refused_batch_leaves_its_key_free(api: Api) -> None:
    refused = await create_debts(api, {"debts": [VALID_DEBT] * 1001}, key="k2")
    assert refused["__typename"] == "ValidationError"

    accepted = await create_debts(api, {"debts": [VALID_DEBT]}, key="k2")
    assert accepted["summary"]["created"] == 1


async def test_a_batch_that_created_nothing_leaves_its_key_free(api: Api) -> None:
    """SPEC section 8: only results that created a debt keep their key."""
    failed = await create_debts(api, {"debts": [INVALID, EXPENSIVE]}, key="k3")
    assert failed["summary"] == {"total": 2, "created": 0, "failed": 2}

    corrected = await create_debts(
        api, {"debts": [VALID_DEBT, {**EXPENSIVE, "acceptExpensiveDestination": True}]}, key="k3"
    )
    replayed = await create_debts(
        api, {"debts": [VALID_DEBT, {**EXPENSIVE, "acceptExpensiveDestination": True}]}, key="k3"
    )

    assert corrected["__typename"] == "DebtImport", corrected
    assert corrected["summary"] == {"total": 2, "created": 2, "failed": 0}
    assert replayed == corrected
    assert await api.debt_count() == 2


async def test_a_blank_batch_key_is_a_validation_error(api: Api) -> None:
    result = await create_debts(api, {"debts": [VALID_DEBT]}, key="  ")
    assert result["__typename"] == "ValidationError"
    assert result["fields"] == [
        {"field": "idempotencyKey", "code": "REQUIRED", "message": "this field is required"}
    ]
    assert await api.debt_count() == 0


async def test_batch_and_single_keys_do_not_collide(api: Api) -> None:
    single = await api.create_debt(VALID_DEBT, key="shared")
    batch = await create_debts(api, {"debts": [VALID_DEBT]}, key="shared")
    assert single["__typename"] == "Debt"
    assert batch["summary"]["created"] == 1
    assert await api.debt_count() == 2


FULL_DEBT_QUERY = "query FullDebt($id: ID!) { debt(id: $id) {" + DEBT_FIELDS + "} }"


async def test_an_imported_debt_reads_back_exactly_like_one_created_alone(
    api: Api, clock: Clock
) -> None:
    """Batches are written by another path (COPY on PostgreSQL): every column must agree."""
    clock.set(datetime.now(UTC))  # stopped: both paths stamp the same importDate
    timeline = await make_timeline(api.runtime, api.company_id)
    debt = {
        **VALID_DEBT,
        "civility": "MS",
        "phone": "+33 6 12 34 56 78",
        "email": "Marie.Curie@Example.COM",
        "amount": "1234.565",
        "currency": "TND",
        "birthdate": "1967-11-07",
        "object": "Abonnement — été",
        "internalId": "INV-1",
        "invoiceReference": "F-1",
        "debtorReference": "D-1",
        "invoiceDate": "2024-01-05",
        "dueDate": "2024-02-05",
        "address": "1 rue de la Paix, 75002 Paris",
        "streetAddress": "rue de la Paix",
        "streetNumber": "1",
        "postalCode": "75002",
        "city": "Paris",
        "country": "FR",
        "iban": "FR14 2004 1010 0505 0001 3M02 606",
        "company": "Creditor SA",
        "debtorCompany": "Debtor SARL",
        "paymentLink": "https://pay.example.com/x?y=1",
        "metadata": {"nested": {"list": [1, 2.5, "trois", None, True]}, "empty": {}},
        "timelineId": timeline.id,
        "timelineStartMode": "NEXT_DAY",
    }
    alone = await api.create_debt(debt)
    imported = await create_debts(api, {"debts": [debt, debt]})
    assert imported["summary"] == {"total": 2, "created": 2, "failed": 0}

    read = []
    for debt_id in (alone["id"], *(c["debt"]["id"] for c in imported["created"])):
        body = await api.gql(FULL_DEBT_QUERY, {"id": debt_id})
        assert "errors" not in body, body
        read.append({key: value for key, value in body["data"]["debt"].items() if key != "id"})
    assert read[0] == read[1] == read[2]
    assert read[0] == {
        key: value for key, value in alone.items() if key not in ("id", "__typename")
    }
    assert read[0]["amount"] == "1234.565"
    assert read[0]["metadata"] == debt["metadata"]
