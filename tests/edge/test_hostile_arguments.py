"""Every argument of every query and mutation, sent values a database or a clock cannot take
(NUL, lone surrogates, huge text, instants at the ends of time, numbers out of range): each
gets a typed error or a plain answer, never INTERNAL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.utils.api import VALID_DEBT, Api

HOSTILE = ["x\u0000y", "\u0000", "\ud800", "x" * 100_000]
DEBT_FIELDS = [
    "civility", "firstname", "lastname", "phone", "email", "birthdate", "amount", "currency",
    "object", "internalId", "invoiceReference", "debtorReference", "invoiceDate", "dueDate",
    "address", "streetAddress", "streetNumber", "postalCode", "city", "country", "iban",
    "company", "debtorCompany", "paymentLink", "timelineId", "timelineStartMode",
]  # fmt: skip
INSTANTS = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2024-02-30T00:00:00Z",
    "2024-01-01T00:00:00+25:00",
]

CREATE_DEBT = (
    "mutation($input: CreateDebtInput!, $key: String) "
    "{ createDebt(input: $input, idempotencyKey: $key) { __typename } }"
)
CREATE_DEBTS = (
    "mutation($input: CreateDebtsInput!, $key: String) "
    "{ createDebts(input: $input, idempotencyKey: $key) { __typename } }"
)
CREATE_TIMELINE = (
    "mutation($input: CreateTimelineInput!) { createTimeline(input: $input) { __typename } }"
)
DEBT = "query($id: ID!) { debt(id: $id) { id } }"
DEBTS = (
    "query($f: Int!, $a: String, $filter: DebtFilter) "
    "{ debts(first: $f, after: $a, filter: $filter) { edges { cursor } } }"
)


def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    cases: list[tuple[str, str, dict[str, Any]]] = []
    for index, value in enumerate(HOSTILE):
        for field in DEBT_FIELDS:
            cases.append(
                (
                    f"createDebt.{field}-{index}",
                    CREATE_DEBT,
                    {"input": {**VALID_DEBT, field: value}},
                )
            )
        cases += [
            (f"createDebt.key-{index}", CREATE_DEBT, {"input": VALID_DEBT, "key": value}),
            (
                f"createDebt.metadata-value-{index}",
                CREATE_DEBT,
                {"input": {**VALID_DEBT, "metadata": {"k": value}}},
            ),
            (
                f"createDebt.metadata-key-{index}",
                CREATE_DEBT,
                {"input": {**VALID_DEBT, "metadata": {value: 1}}},
            ),
            (
                f"createDebts.batchName-{index}",
                CREATE_DEBTS,
                {"input": {"batchName": value, "debts": [VALID_DEBT]}},
            ),
            (
                f"createDebts.tempId-{index}",
                CREATE_DEBTS,
                {"input": {"debts": [{**VALID_DEBT, "tempId": value}]}},
            ),
            (
                f"createDebts.key-{index}",
                CREATE_DEBTS,
                {"input": {"debts": [VALID_DEBT]}, "key": value},
            ),
            (f"createTimeline.name-{index}", CREATE_TIMELINE, {"input": {"name": value}}),
            (
                f"createTimeline.holidayCountry-{index}",
                CREATE_TIMELINE,
                {"input": {"name": "T", "holidayCountry": value}},
            ),
            (
                f"createTimeline.holidaySubdivision-{index}",
                CREATE_TIMELINE,
                {"input": {"name": "T", "holidaySubdivision": value}},
            ),
            (
                f"createTimeline.startTime-{index}",
                CREATE_TIMELINE,
                {"input": {"name": "T", "startTime": value}},
            ),
            (f"debt.id-{index}", DEBT, {"id": value}),
            (f"debts.after-{index}", DEBTS, {"f": 5, "a": value}),
            (f"debts.internalId-{index}", DEBTS, {"f": 5, "filter": {"internalId": value}}),
        ]
    for instant in INSTANTS:
        for bound in ("importedFrom", "importedBefore"):
            cases.append((f"debts.{bound}-{instant}", DEBTS, {"f": 5, "filter": {bound: instant}}))
    for first in (-1, 101, 2**31, 2**53, 1.5):
        cases.append((f"debts.first-{first}", DEBTS, {"f": first}))
    return cases


CASES = _cases()


@pytest.mark.parametrize(("query", "variables"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_no_argument_value_answers_internal(
    api: Api, query: str, variables: dict[str, Any]
) -> None:
    # json.dumps, not httpx's encoder: it writes a lone surrogate as the escape a client sends.
    response = await api.http.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables}),
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        body = response.json()
        codes = [error["extensions"]["code"] for error in body.get("errors", [])]
        assert "INTERNAL" not in codes, body
