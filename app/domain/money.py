"""Currencies (ISO 4217) and amounts: which codes exist, which we accept, their minor units."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache

import moneyed
import pycountry

from app.domain.errors import Problem, ValidationCode

AMOUNT_CEILING = Decimal(10) ** 12

AmountInput = Decimal | str | int | float
"""An amount as callers send it: GraphQL hands over JSON numbers and text untouched."""

# Plain ASCII decimal notation; Decimal() alone would also take "1_000", Arabic-Indic digits
# and NaN payloads.
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NON_FINITE_TEXT = frozenset({"nan", "snan", "inf", "infinity"})
NOT_A_NUMBER = Problem(ValidationCode.INVALID_AMOUNT, "amount must be a number such as 1250.00")
NOT_FINITE = Problem(ValidationCode.INVALID_AMOUNT, "amount must be a finite number")

# Funds, precious metals, test and "no currency" codes: ISO 4217 lists them, nobody owes them.
NON_MONETARY_CODES = frozenset(
    {
        "XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XDR", "XBA", "XBB", "XBC", "XBD",
        "XSU", "XUA", "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW",
    }
)  # fmt: skip


@cache
def iso_currency_codes() -> frozenset[str]:
    """Every current ISO 4217 alphabetic code, as pycountry (iso-codes) lists them."""
    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


@cache
def minor_units() -> dict[str, int]:
    """ISO 4217 minor units per code (EUR 2, JPY 0, TND 3), from py-moneyed's ISO data."""
    units: dict[str, int] = {}
    for code in iso_currency_codes():
        currency = moneyed.CURRENCIES.get(code)
        if currency is not None and currency.sub_unit > 0:
            units[code] = len(str(currency.sub_unit)) - 1
    return units


def default_supported_currencies() -> frozenset[str]:
    """Every current currency whose minor units are known, except the non-monetary codes."""
    return frozenset(minor_units()) - NON_MONETARY_CODES


def normalize_currency(text: str, *, supported: frozenset[str]) -> str | Problem:
    """Upper-case an ISO 4217 code and check that this system accepts it."""
    code = text.upper()
    # ASCII before upper-casing: "ı".upper() is "I", so "ıdr" would otherwise pass as IDR.
    if not text.isascii() or code not in iso_currency_codes():
        return Problem(
            ValidationCode.INVALID_CURRENCY, f'"{text}" is not an ISO 4217 currency code'
        )
    if code not in supported or code not in minor_units():
        return Problem(ValidationCode.UNSUPPORTED_CURRENCY, f"currency {code} is not supported")
    return code


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units()[currency])


def number_as_decimal(value: int | float) -> Decimal:
    """A JSON number as the decimal it was written as: 0.1 stays 0.1, not its binary value."""
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def read_amount(raw: AmountInput) -> Decimal | Problem:
    """The decimal an amount stands for: written like 1250.00 (or 1.25E+3), or a number."""
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, bool):  # a bool is an int to Python, never an amount
        return NOT_A_NUMBER
    if isinstance(raw, int | float):
        return number_as_decimal(raw)
    text = raw.strip()
    if _DECIMAL_TEXT.fullmatch(text):
        try:
            return Decimal(text)
        except InvalidOperation:  # an exponent beyond what Decimal can represent
            return Problem(
                ValidationCode.INVALID_AMOUNT, "amount must be greater than 0 and below 10^12"
            )
    return NOT_FINITE if text.lstrip("+-").lower() in _NON_FINITE_TEXT else NOT_A_NUMBER


def normalize_amount(raw: AmountInput, *, currency: str | None) -> Decimal | Problem:
    """Check an amount (finite, > 0, < 10^12, no finer than the currency's minor unit).

    `currency` is the already-validated code, or None when the currency itself was
    refused: then the decimals cannot be judged and the amount is returned as read.
    Trailing zeros are not decimals of precision: 1250.000 EUR is 1250.00 EUR.
    """
    amount = read_amount(raw)
    if isinstance(amount, Problem):
        return amount
    if not amount.is_finite():
        return NOT_FINITE
    if amount <= 0:
        return Problem(ValidationCode.INVALID_AMOUNT, "amount must be greater than 0")
    if amount >= AMOUNT_CEILING:
        return Problem(ValidationCode.INVALID_AMOUNT, "amount must be below 10^12")
    if currency is None:
        return amount
    quantum = _quantum(currency)
    try:
        exact = amount.quantize(quantum)
    except InvalidOperation:  # more digits than the context can hold: far too precise
        exact = None
    if exact is None or exact != amount:
        decimals = minor_units()[currency]
        return Problem(
            ValidationCode.INVALID_AMOUNT,
            f"amount has more than {decimals} decimal places, the minor unit of {currency}",
        )
    return exact


def amount_text(amount: Decimal, currency: str) -> str:
    """The amount written with exactly the currency's minor units: "1250.00", "1250" (JPY)."""
    quantum = _quantum(currency) if currency in minor_units() else Decimal("0.01")
    return format(amount.quantize(quantum), "f")
