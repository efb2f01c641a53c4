"""GraphQL shapes of changes after intake: updateDebt's input, and the refusals' types."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from app.domain import debts, scheduling, updates
from app.graphql.common import Error, ValidationError
from app.graphql.debts.types import Debt, ExpensiveDestinationError
from app.graphql.enums import Civility, DebtStatus, TimelineStartMode
from app.services import debt_changes

UNSET: Any = strawberry.UNSET
_KEEP = "Omit to keep; null clears it."


@strawberry.input(
    description="The fields to change: an omitted field stays as it is, an explicit null "
    "clears an optional one (required ones cannot be cleared: REQUIRED). Each given field "
    "obeys createDebt's rules."
)
class UpdateDebtInput:
    firstname: str | None = strawberry.field(
        default=UNSET, description="At most 255 characters; cannot be cleared."
    )
    lastname: str | None = strawberry.field(
        default=UNSET, description="At most 255 characters; cannot be cleared."
    )
    civility: Civility | None = strawberry.field(default=UNSET, description=f"MR or MS. {_KEEP}")
    phone: str | None = strawberry.field(
        default=UNSET,
        description="Re-normalized to E.164; a new expensive destination needs "
        "acceptExpensiveDestination. Phone or email must remain.",
    )
    email: str | None = strawberry.field(
        default=UNSET, description=f"Phone or email must remain. {_KEEP}"
    )
    amount: Decimal | None = strawberry.field(
        default=UNSET, description="Changes only while PENDING or ON_HOLD; cannot be cleared."
    )
    currency: str | None = strawberry.field(
        default=UNSET, description="Changes only while PENDING or ON_HOLD; cannot be cleared."
    )
    birthdate: str | None = strawberry.field(
        default=UNSET, description=f"Strictly YYYY-MM-DD, not in the future. {_KEEP}"
    )
    object: str | None = strawberry.field(
        default=UNSET, description=f"At most 2,000 characters. {_KEEP}"
    )
    internal_id: str | None = strawberry.field(default=UNSET, description=_KEEP)
    invoice_reference: str | None = strawberry.field(default=UNSET, description=_KEEP)
    debtor_reference: str | None = strawberry.field(default=UNSET, description=_KEEP)
    invoice_date: str | None = strawberry.field(
        default=UNSET, description=f"Strictly YYYY-MM-DD. {_KEEP}"
    )
    due_date: str | None = strawberry.field(
        default=UNSET, description=f"Strictly YYYY-MM-DD, not before invoiceDate. {_KEEP}"
    )
    address: str | None = strawberry.field(
        default=UNSET, description=f"At most 2,000 characters. {_KEEP}"
    )
    street_address: str | None = strawberry.field(default=UNSET, description=_KEEP)
    street_number: str | None = strawberry.field(default=UNSET, description=_KEEP)
    postal_code: str | None = strawberry.field(default=UNSET, description=_KEEP)
    city: str | None = strawberry.field(default=UNSET, description=_KEEP)
    country: str | None = strawberry.field(
        default=UNSET, description=f"ISO 3166-1 alpha-2. {_KEEP}"
    )
    iban: str | None = strawberry.field(default=UNSET, description=_KEEP)
    company: str | None = strawberry.field(default=UNSET, description=_KEEP)
    debtor_company: str | None = strawberry.field(default=UNSET, description=_KEEP)
    payment_link: str | None = strawberry.field(
        default=UNSET, description=f"Absolute http or https URL. {_KEEP}"
    )
    metadata: JSON | None = strawberry.field(
        default=UNSET, description=f"A JSON object of at most 16 KiB. {_KEEP}"
    )
    timeline_id: strawberry.ID | None = strawberry.field(
        default=UNSET,
        description="One of your active timelines (any other value is ignored silently, "
        "leaving none); the start is recomputed from now. Null detaches the timeline.",
    )
    timeline_start_mode: TimelineStartMode | None = strawberry.field(
        default=UNSET, description="With a timeline: its start, recomputed from now."
    )
    accept_expensive_destination: bool | None = strawberry.field(
        default=UNSET,
        description="Acknowledge the higher cost of a new phone number's destination.",
    )

    def to_patch(self) -> dict[str, Any]:
        """The given fields by their domain names; None clears one."""
        patch: dict[str, Any] = {}
        for name in updates.UPDATABLE_FIELDS:
            value = getattr(self, name)
            if value is UNSET:
                continue
            if name == "civility" and value is not None:
                value = debts.Civility[value.name]
            elif name == "timeline_start_mode" and value is not None:
                value = scheduling.TimelineStartMode[value.name]
            patch[name] = value
        return patch

    @property
    def accepts_expensive_destination(self) -> bool:
        return self.accept_expensive_destination is True


NOT_FOUND_MESSAGE = "No debt with this id"


@strawberry.type(description="No debt of yours has this id (unknown and foreign ids alike).")
class DebtNotFound(Error):
    message: str = strawberry.field(description=f'Always "{NOT_FOUND_MESSAGE}".')


@strawberry.type(description="The debt's status (or its erasure) forbids this change.")
class DebtLocked(Error):
    message: str = strawberry.field(description="Why the debt cannot be changed so.")
    status: DebtStatus = strawberry.field(description="The debt's current status.")

    @classmethod
    def of(cls, locked: updates.DebtLocked) -> DebtLocked:
        if locked.amount_or_currency:
            message = (
                f"The amount and currency of a {locked.status.value} debt cannot change "
                "(only while PENDING or ON_HOLD)"
            )
        else:
            message = f"A {locked.status.value} or erased debt cannot be updated"
        return cls(message=message, status=DebtStatus[locked.status.name])


@strawberry.type(
    description="The debt changed since the version you expected; nothing was written. "
    "Read it again, then retry with its currentVersion."
)
class VersionConflict(Error):
    message: str = strawberry.field(description="Names the current version.")
    current_version: int = strawberry.field(description="The debt's version now.")

    @classmethod
    def of(cls, conflict: debt_changes.VersionConflict) -> VersionConflict:
        return cls(
            message=f"The debt is at version {conflict.current_version}",
            current_version=conflict.current_version,
        )


@strawberry.type(description="The status table allows no such change; nothing was written.")
class InvalidStatusTransition(Error):
    message: str = strawberry.field(description="Names both statuses.")
    from_: DebtStatus = strawberry.field(name="from", description="The current status.")
    to: DebtStatus = strawberry.field(description="The status asked for.")
    allowed: list[DebtStatus] = strawberry.field(
        description="Every status you may set from the current one (possibly none)."
    )

    @classmethod
    def of(cls, refusal: debt_changes.InvalidStatusTransition) -> InvalidStatusTransition:
        return cls(
            message=f"A {refusal.current.value} debt cannot become {refusal.target.value}",
            from_=DebtStatus[refusal.current.name],
            to=DebtStatus[refusal.target.name],
            allowed=[DebtStatus[status.name] for status in refusal.allowed],
        )


UpdateDebtResult = Annotated[
    Debt
    | ValidationError
    | ExpensiveDestinationError
    | DebtNotFound
    | DebtLocked
    | VersionConflict,
    strawberry.union(
        "UpdateDebtResult",
        description="The updated Debt, or why nothing was changed.",
    ),
]
ChangeDebtStatusResult = Annotated[
    Debt | DebtNotFound | InvalidStatusTransition | VersionConflict | ValidationError,
    strawberry.union(
        "ChangeDebtStatusResult",
        description="The Debt in its new status, or why nothing was changed.",
    ),
]
EraseDebtResult = Annotated[
    Debt | DebtNotFound,
    strawberry.union("EraseDebtResult", description="The erased Debt, or DebtNotFound."),
]
