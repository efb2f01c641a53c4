"""Single-field rules of SPEC section 3, as pure functions: one row per rule and boundary."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.domain import fields
from app.domain.errors import Problem, ValidationCode
from app.domain.money import (
    default_supported_currencies,
    minor_units,
    normalize_amount,
    normalize_currency,
)

TOO_LONG = ValidationCode.TOO_LONG


def code_of(outcome: object) -> ValidationCode | None:
    return outcome.code if isinstance(outcome, Problem) else None


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        ("a" * 255, 255, "a" * 255),
        ("a" * 256, 255, TOO_LONG),
        ("é" * 255, 255, "é" * 255),  # characters, not bytes
        ("x" * 2000, 2000, "x" * 2000),
        ("x" * 2001, 2000, TOO_LONG),
        ("Jean\tPaul", 255, "Jean\tPaul"),
        ("Jean\x00", 255, ValidationCode.INVALID_VALUE),  # PostgreSQL text cannot hold NUL
        ("bell\x07", 255, ValidationCode.INVALID_VALUE),
        ("\ud800", 255, ValidationCode.INVALID_VALUE),  # a lone surrogate is not storable text
    ],
)
def test_text(value: str, limit: int, expected: str | ValidationCode) -> None:
    outcome = fields.text(limit)(value)
    assert (code_of(outcome) or outcome) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   \t\n", None),
        ("  Jean  ", "Jean"),
    ],
)
def test_strings_are_trimmed_and_blank_is_not_given(
    value: str | None, expected: str | None
) -> None:
    assert fields.clean_text(value) == expected


@pytest.mark.parametrize("value", ["2024-02-29", "1900-01-01", "2024-12-31"])
def test_real_dates_are_read(value: str) -> None:
    assert str(fields.strict_date(value)) == value


@pytest.mark.parametrize(
    "value",
    [
        "2024-02-30",
        "2023-02-29",
        "2024-13-01",
        "2024-00-10",
        "0000-01-01",
        "2024-1-5",
        "2024-01-05T00:00:00",
        "2024-01-05 ",
        "20240105",
        "05/01/2024",
        "２０２４-01-05",  # full-width digits
        "٢٠٢٤-01-05",  # Arabic-Indic digits
        "+2024-01-05",
    ],
)
def test_dates_not_strictly_written_are_refused(value: str) -> None:
    assert code_of(fields.strict_date(value)) is ValidationCode.INVALID_DATE


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jean.Dupont@Example.COM", "Jean.Dupont@example.com"),  # local part kept as sent
        ("debtor@xn--bcher-kva.de", "debtor@bücher.de"),
        ("a@b.fr", "a@b.fr"),
        ("jean.dupont", ValidationCode.INVALID_EMAIL),
        ("jean@", ValidationCode.INVALID_EMAIL),
        ("@example.com", ValidationCode.INVALID_EMAIL),
        ("jean dupont@example.com", ValidationCode.INVALID_EMAIL),
        ("jean@example", ValidationCode.INVALID_EMAIL),
        ("jean@@example.com", ValidationCode.INVALID_EMAIL),
        ("jean@exa\x00mple.com", ValidationCode.INVALID_EMAIL),
        ("a" * 246 + "@example.com", TOO_LONG),
    ],
)
def test_email(value: str, expected: str | ValidationCode) -> None:
    outcome = fields.email(value)
    assert (code_of(outcome) or outcome) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fr14 2004 1010 0505 0001 3m02 606", "FR1420041010050500013M02606"),
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("GB82WEST12345698765432", "GB82WEST12345698765432"),
        ("FR15 2004 1010 0505 0001 3M02 606", ValidationCode.INVALID_IBAN),  # checksum
        ("FR14 2004 1010 0505 0001 3M02 60", ValidationCode.INVALID_IBAN),  # length
        ("XX14 2004 1010 0505 0001 3M02 606", ValidationCode.INVALID_IBAN),  # country
        ("not an iban", ValidationCode.INVALID_IBAN),
        ("FR14" + "0" * 252, TOO_LONG),
    ],
)
def test_iban(value: str, expected: str | ValidationCode) -> None:
    outcome = fields.iban(value)
    assert (code_of(outcome) or outcome) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fr", "FR"),
        ("Gp", "GP"),
        ("FRA", ValidationCode.INVALID_COUNTRY),
        ("F", ValidationCode.INVALID_COUNTRY),
        ("XX", ValidationCode.INVALID_COUNTRY),
        ("UK", ValidationCode.INVALID_COUNTRY),  # GB is the code
        ("ıt", ValidationCode.INVALID_COUNTRY),  # dotless i upper-cases to I: still not IT
    ],
)
def test_country(value: str, expected: str | ValidationCode) -> None:
    outcome = fields.country(value)
    assert (code_of(outcome) or outcome) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://pay.example.com/i/42?x=1#top", None),
        ("HTTP://Example.com", None),
        ("http://127.0.0.1:8080/pay", None),
        ("ftp://example.com/pay", ValidationCode.INVALID_URL),
        ("javascript:alert(1)", ValidationCode.INVALID_URL),
        ("pay.example.com/i/42", ValidationCode.INVALID_URL),
        ("//pay.example.com/i/42", ValidationCode.INVALID_URL),
        ("https://", ValidationCode.INVALID_URL),
        ("https:///path", ValidationCode.INVALID_URL),
        ("https://exa mple.com", ValidationCode.INVALID_URL),
        ("https://example.com:99999/", ValidationCode.INVALID_URL),
        ("http://[::1", ValidationCode.INVALID_URL),
        ("https://example.com/\x00", ValidationCode.INVALID_URL),
        ("https://example.com/\ud800", ValidationCode.INVALID_URL),
        ("https://example.com/" + "a" * 236, TOO_LONG),
    ],
)
def test_payment_link(value: str, expected: ValidationCode | None) -> None:
    outcome = fields.http_url(value)
    assert code_of(outcome) == expected
    if expected is None:
        assert outcome == value


def json_of_size(size: int) -> dict[str, str]:
    """An object whose compact UTF-8 JSON is exactly `size` bytes: {"k":"..."} is 8 + n."""
    return {"k": "x" * (size - 8)}


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ({}, True),
        ({"source": "erp", "tags": ["a", 1, 2.5, True, None], "n": {"m": {}}}, True),
        (json_of_size(16 * 1024), True),
        (json_of_size(16 * 1024 + 1), False),
        ({"k": "é" * 8188}, True),  # 8 + 2 * 8188 = 16384 bytes of UTF-8
        ({"k": "é" * 8189}, False),
        (nested(fields.METADATA_MAX_DEPTH), True),
        (nested(fields.METADATA_MAX_DEPTH + 1), False),
        (nested(5000), False),
        ([1, 2], False),
        ("text", False),
        (42, False),
        (True, False),
        ({"n": float("nan")}, False),
        ({"n": [float("inf")]}, False),
        ({"n": 2**64}, False),  # beyond what the response encoder writes
        ({"n": 2**64 - 1}, True),
        ({"n": -(2**63)}, True),
        ({"n": [{"m": -(2**63) - 1}]}, False),
        ({"s": "\ud800"}, False),
        ({"t": (1, 2)}, False),
        ({1: "int key"}, False),
    ],
)
def test_metadata(value: Any, valid: bool) -> None:
    outcome = fields.metadata(value)
    if valid:
        assert outcome is value
    else:
        assert code_of(outcome) is ValidationCode.INVALID_METADATA


def test_minor_units_come_from_iso_4217_data() -> None:
    units = minor_units()
    assert (units["EUR"], units["JPY"], units["TND"], units["CLF"]) == (2, 0, 3, 4)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("EUR", "EUR"),
        ("eur", "EUR"),
        ("jpy", "JPY"),
        ("EURO", ValidationCode.INVALID_CURRENCY),
        ("ZZZ", ValidationCode.INVALID_CURRENCY),
        ("FRF", ValidationCode.INVALID_CURRENCY),  # withdrawn
        ("ıdr", ValidationCode.INVALID_CURRENCY),  # dotless i upper-cases to I: still not IDR
        ("XXX", ValidationCode.UNSUPPORTED_CURRENCY),
        ("XTS", ValidationCode.UNSUPPORTED_CURRENCY),
        ("XAU", ValidationCode.UNSUPPORTED_CURRENCY),
        ("XDR", ValidationCode.UNSUPPORTED_CURRENCY),
        ("CHE", ValidationCode.UNSUPPORTED_CURRENCY),
        ("UYW", ValidationCode.UNSUPPORTED_CURRENCY),
    ],
)
def test_currency_with_the_default_supported_set(
    value: str, expected: str | ValidationCode
) -> None:
    outcome = normalize_currency(value, supported=default_supported_currencies())
    assert (code_of(outcome) or outcome) == expected


def test_a_configured_set_narrows_the_supported_currencies() -> None:
    supported = frozenset({"EUR"})
    assert normalize_currency("EUR", supported=supported) == "EUR"
    assert code_of(normalize_currency("USD", supported=supported)) is (
        ValidationCode.UNSUPPORTED_CURRENCY
    )


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1250.5", "EUR", "1250.50"),
        (" 12.5 ", "EUR", "12.50"),
        ("0.01", "EUR", "0.01"),
        ("999999999999.99", "EUR", "999999999999.99"),
        ("1250.000", "EUR", "1250.00"),  # trailing zeros are not precision
        ("1.25E+3", "EUR", "1250.00"),
        (".5", "EUR", "0.50"),
        (1250, "JPY", "1250"),
        (1250.0, "JPY", "1250"),
        (0.1, "EUR", "0.10"),  # the number as written, not its binary value
        ("1234.565", "TND", "1234.565"),
        (Decimal("7"), "EUR", "7.00"),
        ("12.345", None, "12.345"),  # the currency was refused: decimals are not judged
    ],
)
def test_amounts_accepted(amount: Any, currency: str | None, expected: str) -> None:
    outcome = normalize_amount(amount, currency=currency)
    assert isinstance(outcome, Decimal), outcome
    assert str(outcome) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("0", "EUR", "amount must be greater than 0"),
        ("-0", "EUR", "amount must be greater than 0"),
        ("-5", "EUR", "amount must be greater than 0"),
        (0, "EUR", "amount must be greater than 0"),
        ("1000000000000", "EUR", "amount must be below 10^12"),
        ("1e12", "EUR", "amount must be below 10^12"),
        (1e300, "EUR", "amount must be below 10^12"),
        (10**40, "EUR", "amount must be below 10^12"),
        ("1e99999999999999999999999", "EUR", "amount must be greater than 0 and below 10^12"),
        ("NaN", "EUR", "amount must be a finite number"),
        ("nan", "EUR", "amount must be a finite number"),
        ("sNaN", "EUR", "amount must be a finite number"),
        ("Infinity", "EUR", "amount must be a finite number"),
        ("-Infinity", "EUR", "amount must be a finite number"),
        ("inf", "EUR", "amount must be a finite number"),
        (float("nan"), "EUR", "amount must be a finite number"),
        (float("inf"), "EUR", "amount must be a finite number"),
        (Decimal("NaN"), "EUR", "amount must be a finite number"),
        ("12,50", "EUR", "amount must be a number such as 1250.00"),
        ("1_000", "EUR", "amount must be a number such as 1250.00"),
        ("١٢", "EUR", "amount must be a number such as 1250.00"),
        ("12 EUR", "EUR", "amount must be a number such as 1250.00"),
        ("NaN12", "EUR", "amount must be a number such as 1250.00"),
        (True, "EUR", "amount must be a number such as 1250.00"),
        ("12.345", "EUR", "amount has more than 2 decimal places, the minor unit of EUR"),
        ("0.001", "EUR", "amount has more than 2 decimal places, the minor unit of EUR"),
        ("1e-999999999", "EUR", "amount has more than 2 decimal places, the minor unit of EUR"),
        ("12.5", "JPY", "amount has more than 0 decimal places, the minor unit of JPY"),
        ("1.2345", "TND", "amount has more than 3 decimal places, the minor unit of TND"),
    ],
)
def test_amounts_refused(amount: Any, currency: str | None, message: str) -> None:
    outcome = normalize_amount(amount, currency=currency)
    assert outcome == Problem(ValidationCode.INVALID_AMOUNT, message)
