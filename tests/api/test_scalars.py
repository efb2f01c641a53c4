"""Custom scalars: standard formats announced with @specifiedBy, strict parsing, no crash."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from graphql import GraphQLScalarType
from hypothesis import given
from hypothesis import strategies as st
from strawberry.exceptions import StrawberryInputCoercionError

from app.graphql.scalars import RFC_3339, decimal_as_sent, parse_date, parse_datetime
from tests.test_schema import ours
from tests.utils.api import VALID_DEBT, Api

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=8,
)


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("Date", RFC_3339),
        ("DateTime", RFC_3339),
        ("Decimal", "https://speleotrove.com/decimal/daconvs.html"),
        (
            "JSON",
            "https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf",
        ),
    ],
)
def test_scalars_keep_the_contract_names_and_name_their_standard(name: str, url: str) -> None:
    scalar = ours().type_map[name]
    assert isinstance(scalar, GraphQLScalarType)
    assert scalar.specified_by_url == url


# Each table below runs in one test: a fresh company (and its hashed secret) costs 0.5 s.
DECIMALS_ACCEPTED: list[tuple[object, str]] = [
    ("1250.00", "1250.00"),
    ("1250.5", "1250.50"),
    (1250, "1250.00"),
    (12.5, "12.50"),
    (0.1, "0.10"),
    ("1.5E+3", "1500.00"),
    (" 42 ", "42.00"),
]
DECIMALS_OUT_OF_RANGE = ["NaN", "Infinity", "-Infinity", "sNaN", "1e999999999999"]
# Text is the amount rule's to judge, with every other field's errors (a field error).
TEXT_NOT_DECIMALS = ["abc", "1_000", "1,5", "0x10", "1e999999999999999999999", "１２"]
# A value of another JSON type cannot be an amount at all (a GraphQL error).
NOT_DECIMALS: list[object] = [True, None, [], [1], {"value": "1"}]
DECIMAL_LITERALS = [
    '"12.5"',
    "12.5",
    "12",
    "1.5e1",
    '"NaN"',
    "true",
    "{a: 1}",
    "[1]",
    '"x"',
    "null",
]


async def test_decimal_input_accepts_a_string_or_a_number(api: Api) -> None:
    for amount, amount_text in DECIMALS_ACCEPTED:
        created = await api.create_debt({**VALID_DEBT, "amount": amount})
        assert created["__typename"] == "Debt", (amount, created)
        assert created["amountText"] == amount_text, amount
        assert created["amount"] == amount_text, amount  # serialized as a string, exact


async def test_non_finite_or_huge_decimals_are_a_field_error(api: Api) -> None:
    for amount in DECIMALS_OUT_OF_RANGE:
        created = await api.create_debt({**VALID_DEBT, "amount": amount})
        assert created["__typename"] == "ValidationError", amount
        assert [f["code"] for f in created["fields"]] == ["INVALID_AMOUNT"], amount
    assert await api.debt_count() == 0


async def test_text_that_is_not_a_decimal_is_a_field_error(api: Api) -> None:
    for amount in TEXT_NOT_DECIMALS:
        created = await api.create_debt({**VALID_DEBT, "amount": amount})
        assert created["__typename"] == "ValidationError", amount
        assert [f["code"] for f in created["fields"]] == ["INVALID_AMOUNT"], amount
    assert await api.debt_count() == 0


async def test_values_of_another_json_type_are_refused_before_any_work(api: Api) -> None:
    for amount in NOT_DECIMALS:
        body = await api.gql(
            "mutation($input: CreateDebtInput!) { createDebt(input: $input) { __typename } }",
            {"input": {**VALID_DEBT, "amount": amount}},
        )
        assert body.get("data") is None, amount
        assert len(body["errors"]) == 1, amount
        assert "amount" in body["errors"][0]["message"], amount
        assert "extensions" not in body["errors"][0] or body["errors"][0]["extensions"].get(
            "code"
        ) not in {"INTERNAL", "SERVICE_UNAVAILABLE"}, amount
    assert await api.debt_count() == 0


async def test_decimal_literals_never_fault(api: Api) -> None:
    for literal in DECIMAL_LITERALS:
        body = await api.gql(
            'mutation { createDebt(input: {firstname: "J", lastname: "D", phone: "0612345678", '
            f'currency: "EUR", amount: {literal}}}) {{ __typename }} }}'
        )
        assert body.get("data") or body.get("errors"), literal
        for error in body.get("errors", []):
            assert error.get("extensions", {}).get("code") != "INTERNAL", (literal, body)


async def test_json_metadata_round_trips_any_object(api: Api) -> None:
    metadata: dict[str, Any] = {"n": 1, "f": 1.5, "s": "é", "l": [True, None], "o": {"x": []}}
    created = await api.create_debt({**VALID_DEBT, "metadata": metadata})
    assert created["__typename"] == "Debt"
    assert created["metadata"] == metadata


async def test_datetimes_are_served_in_rfc_3339_with_their_offset(api: Api) -> None:
    created = await api.create_debt(VALID_DEBT)
    served = created["importDate"]
    assert parse_datetime(served) == dt.datetime.fromisoformat(served)
    assert parse_datetime(served).utcoffset() is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31", dt.date(2024, 1, 31)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("0001-01-01", dt.date(1, 1, 1)),
    ],
)
def test_date_parses_rfc_3339_full_dates(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "value",
    [
        "2024-02-30",
        "2024-1-5",
        "20240105",
        "2024-W05-3",
        "2024-01-05T00:00:00",
        "２０２４-01-05",
        5,
    ],
)
def test_date_refuses_anything_looser(value: object) -> None:
    with pytest.raises(StrawberryInputCoercionError):
        parse_date(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-15T10:30:00Z", dt.datetime(2024, 1, 15, 10, 30, tzinfo=dt.UTC)),
        ("2024-01-15t10:30:00z", dt.datetime(2024, 1, 15, 10, 30, tzinfo=dt.UTC)),
        (
            "2024-01-15 10:30:00.5+01:00",
            dt.datetime(2024, 1, 15, 9, 30, 0, 500000, tzinfo=dt.UTC),
        ),
        (
            "2024-01-15T10:30:00.123456789-03:30",
            dt.datetime(2024, 1, 15, 14, 0, 0, 123456, tzinfo=dt.UTC),
        ),
    ],
)
def test_datetime_parses_rfc_3339_date_times(text: str, expected: dt.datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-15T10:30:00",  # no offset: which instant?
        "2024-01-15",
        "2024-01-15T10:30Z",
        "2024-01-15T25:00:00Z",
        "2024-12-31T23:59:60Z",
        "2024-01-15T10:30:00+0100",
        "1705314600",
        1705314600,
        None,
    ],
)
def test_datetime_refuses_anything_without_a_definite_instant(value: object) -> None:
    with pytest.raises(StrawberryInputCoercionError):
        parse_datetime(value)


def test_decimal_keeps_json_numbers_as_written() -> None:
    assert decimal_as_sent(0.1) == Decimal("0.1")
    assert decimal_as_sent(10**30) == Decimal(10**30)
    assert decimal_as_sent(" 12,5 ") == " 12,5 "  # text goes to the amount rule untouched


@given(JSON_VALUES)
def test_parsers_either_return_a_value_or_refuse_cleanly(value: object) -> None:
    for parse in (parse_date, parse_datetime, decimal_as_sent):
        with contextlib.suppress(StrawberryInputCoercionError):
            parse(value)
