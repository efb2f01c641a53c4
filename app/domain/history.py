"""What a debt's history records (SPEC section 11): event types, and changes field by field."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any


class DebtEventType(enum.Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    STATUS_CHANGED = "STATUS_CHANGED"
    ERASED = "ERASED"


# The debtor's personal data, by input name: what erasure removes, and what a change records
# by name only, never with its values (`destination` is derived from the phone).
PERSONAL_FIELDS = frozenset(
    {
        "firstname",
        "lastname",
        "civility",
        "phone",
        "email",
        "birthdate",
        "address",
        "streetAddress",
        "streetNumber",
        "postalCode",
        "city",
        "iban",
        "debtorCompany",
        "metadata",
        "paymentLink",
        "destination",
    }
)


def json_value(value: Any) -> Any:
    """A field's value as an event stores it: JSON text for decimals, dates and enums."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """{field, from, to} for every field whose value differs, in `after`'s order; personal
    fields by name only (values null)."""
    changes = []
    for name, new in after.items():
        old = before.get(name)
        if old == new:
            continue
        personal = name in PERSONAL_FIELDS
        changes.append(
            {
                "field": name,
                "from": None if personal else json_value(old),
                "to": None if personal else json_value(new),
            }
        )
    return changes
