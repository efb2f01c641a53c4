"""What updateDebt may change and when (SPEC section 11); the field rules stay validate_debt's."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.debts import DebtInput, DebtStatus

# Every field of a debt's input but the one-request switch below: status, importDate,
# counters and ids are not input fields at all, so they cannot be set.
UPDATABLE_FIELDS = frozenset(f.name for f in dataclasses.fields(DebtInput)) - {
    "accept_expensive_destination"
}
LOCKED_STATUSES = frozenset({DebtStatus.PAID, DebtStatus.ARCHIVED})
# Amount and currency follow the debt until collection starts, and again while it is paused.
AMOUNT_CHANGE_STATUSES = frozenset({DebtStatus.PENDING, DebtStatus.ON_HOLD})


@dataclass(frozen=True, slots=True)
class DebtLocked:
    """The debt cannot be changed that way in its status (or at all, once erased)."""

    status: DebtStatus
    amount_or_currency: bool = False  # only the amount or currency change is refused


def patched(
    current: DebtInput, patch: Mapping[str, Any], *, accept_expensive_destination: bool
) -> DebtInput:
    """The debt's input with the given fields replaced (None clears one), ready for
    validate_debt: omitted fields keep their current values."""
    unknown = set(patch) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    return dataclasses.replace(
        current, **patch, accept_expensive_destination=accept_expensive_destination
    )


def update_lock(status: DebtStatus, *, erased: bool) -> DebtLocked | None:
    """A closed or erased debt takes no update at all."""
    return DebtLocked(status) if erased or status in LOCKED_STATUSES else None


def amount_lock(status: DebtStatus, *, amount_or_currency_changes: bool) -> DebtLocked | None:
    if amount_or_currency_changes and status not in AMOUNT_CHANGE_STATUSES:
        return DebtLocked(status, amount_or_currency=True)
    return None
