"""The key rule and the input fingerprint that decides "same request" for a retry."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest

from app.domain.debts import Civility, DebtInput
from app.domain.errors import FieldError, ValidationCode
from app.domain.idempotency import KEY_FIELD, check_key, fingerprint

BASE = DebtInput(
    firstname="Jean",
    lastname="Dupont",
    phone="0612345678",
    amount=Decimal("1250.00"),
    currency="EUR",
    metadata={"source": "erp", "nested": {"a": 1, "b": [1, 2]}},
)


def with_(**changes: Any) -> DebtInput:
    return dataclasses.replace(BASE, **changes)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("order-42", "order-42"),
        ("  order-42 ", "order-42"),
        ("k" * 255, "k" * 255),
        ("", FieldError(KEY_FIELD, ValidationCode.REQUIRED, "this field is required")),
        (" \t", FieldError(KEY_FIELD, ValidationCode.REQUIRED, "this field is required")),
        (
            "k" * 256,
            FieldError(KEY_FIELD, ValidationCode.TOO_LONG, "must be at most 255 characters"),
        ),
    ],
)
def test_check_key(raw: str | None, expected: object) -> None:
    assert check_key(raw) == expected


def test_fingerprint_ignores_key_order_and_absent_versus_null() -> None:
    reordered = with_(metadata={"nested": {"b": [1, 2], "a": 1}, "source": "erp"})
    assert fingerprint(reordered) == fingerprint(BASE)
    assert fingerprint(with_(email=None)) == fingerprint(BASE)
    assert len(fingerprint(BASE)) == 64


@pytest.mark.parametrize(
    "changed",
    [
        with_(amount=Decimal("1250.0")),
        with_(amount=Decimal("1250.01")),
        with_(firstname="Jean "),
        with_(civility=Civility.MR),
        with_(metadata={"source": "erp"}),
        with_(metadata={"source": "erp", "nested": {"a": 1, "b": [2, 1]}}),
        with_(metadata=None),
        with_(accept_expensive_destination=True),
    ],
)
def test_fingerprint_tells_any_other_input_apart(changed: DebtInput) -> None:
    assert fingerprint(changed) != fingerprint(BASE)
