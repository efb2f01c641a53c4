"""The Decimal scalar: amounts leave as exact strings and arrive as the caller wrote them."""

from __future__ import annotations

from decimal import Decimal

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.types.scalar import ScalarDefinition

from app.domain.money import number_as_decimal


def _decimal_as_sent(value: object) -> Decimal | str:
    # Text is handed to the domain untouched: "12,50", "" or "NaN" then become an
    # INVALID_AMOUNT or REQUIRED field error reported with every other field's errors,
    # instead of a GraphQL error that would hide them. Only a value of the wrong JSON type
    # (true, a list, an object) is refused here.
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_as_decimal(value)
    raise StrawberryInputCoercionError(
        f"Decimal cannot represent a {type(value).__name__}: send a string or a number"
    )


DECIMAL = ScalarDefinition(
    name="Decimal",
    description=(
        'An exact decimal number. Sent back as a string ("1250.00"); accepted as a string '
        '("1250.5") or a JSON number. Text that is not a decimal number is reported by the '
        "field's own validation (INVALID_AMOUNT), not as a GraphQL error."
    ),
    specified_by_url=None,
    serialize=str,
    parse_value=_decimal_as_sent,
    parse_literal=None,
    origin=Decimal,
)
