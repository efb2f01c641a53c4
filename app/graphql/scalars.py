"""Custom scalars (Date, DateTime, Decimal, JSON): the contract's names, standard formats."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from app.domain.money import number_as_decimal

RFC_3339 = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
# Python's decimal module implements this specification's to-number and to-scientific-string.
DECIMAL_ARITHMETIC = "https://speleotrove.com/decimal/daconvs.html"
ECMA_404 = (
    "https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf"
)

# RFC 3339 section 5.6, ASCII digits only (Python's \d also matches other scripts' digits).
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]"
    r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _refuse(kind: str, value: object, expected: str) -> StrawberryInputCoercionError:
    shown = repr(value) if len(repr(value)) <= 64 else repr(value)[:61] + "..."
    return StrawberryInputCoercionError(f"{kind} cannot represent {shown}: expected {expected}.")


def parse_date(value: object) -> dt.date:
    """An RFC 3339 full-date, "2024-01-31"; nothing looser (no week dates, no times)."""
    if not isinstance(value, str) or not _FULL_DATE.fullmatch(value):
        raise _refuse("Date", value, 'a "YYYY-MM-DD" string')
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _refuse("Date", value, "a real calendar date") from None


def parse_datetime(value: object) -> dt.datetime:
    """An RFC 3339 date-time: a date, a time and an offset ("Z" or "+01:00"), always aware."""
    if not isinstance(value, str) or not _DATE_TIME.fullmatch(value):
        raise _refuse(
            "DateTime", value, 'an RFC 3339 date-time with an offset, e.g. "...T10:30:00Z"'
        )
    try:
        # Digits beyond microseconds are truncated, as Python keeps microseconds.
        instant = dt.datetime.fromisoformat(f"{value[:10]}T{value[11:].upper()}")
    except ValueError:
        raise _refuse("DateTime", value, "a real date and time (no leap second)") from None
    try:
        instant.astimezone(dt.UTC)  # every instant the service handles has a UTC form
    except OverflowError:
        raise _refuse(
            "DateTime", value, "an instant between 0001-01-01 and 9999-12-31 in UTC"
        ) from None
    return instant


def serialize_datetime(value: dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive instant has no RFC 3339 form: a bug in the resolver, not the client's.
        raise ValueError("DateTime values must be time-zone aware")
    return value.isoformat()


def decimal_as_sent(value: object) -> Decimal | str:
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
    specified_by_url=DECIMAL_ARITHMETIC,
    serialize=str,
    parse_value=decimal_as_sent,
    parse_literal=None,
    origin=Decimal,
)

DATE = ScalarDefinition(
    name="Date",
    description='A calendar date, RFC 3339 full-date: "2024-01-31".',
    specified_by_url=RFC_3339,
    serialize=dt.date.isoformat,
    parse_value=parse_date,
    parse_literal=None,
    origin=dt.date,
)

DATE_TIME = ScalarDefinition(
    name="DateTime",
    description='An instant with its offset, RFC 3339 date-time: "2024-01-15T10:30:00+01:00".',
    specified_by_url=RFC_3339,
    serialize=serialize_datetime,
    parse_value=parse_datetime,
    parse_literal=None,
    origin=dt.datetime,
)

JSON_VALUE = ScalarDefinition(
    name="JSON",
    description="A JSON value (ECMA-404), sent and returned as is.",
    specified_by_url=ECMA_404,
    serialize=lambda value: value,
    parse_value=lambda value: value,
    parse_literal=None,
    origin=JSON,
)

SCALARS: dict[object, ScalarDefinition] = {
    Decimal: DECIMAL,
    dt.date: DATE,
    dt.datetime: DATE_TIME,
    JSON: JSON_VALUE,
}
