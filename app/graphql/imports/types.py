"""GraphQL input and output of createDebts."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain.debts import ExpensiveDestination
from app.graphql.common import ValidationError
from app.graphql.debts.inputs import CreateDebtInput
from app.graphql.debts.types import Debt, ExpensiveDestinationError
from app.graphql.input_building import planned_input
from app.services.imports import MAX_BATCH_SIZE, ImportItem, ImportOutcome


@planned_input
@strawberry.input(description="One debt of a batch: a CreateDebtInput plus your own tempId.")
class CreateDebtsItemInput(CreateDebtInput):
    temp_id: str | None = strawberry.field(
        default=None, description="Your identifier for this item, echoed back in the result."
    )

    def to_item(self) -> ImportItem:
        return ImportItem(debt=self.to_domain(), temp_id=self.temp_id)


@strawberry.input(description=f"A batch of 1 to {MAX_BATCH_SIZE} debts.")
class CreateDebtsInput:
    batch_name: str | None = strawberry.field(
        default=None,
        description='Name of the import; default "API Batch - DD/MM/YYYY HH:mm" in your '
        "company's time zone.",
    )
    accept_expensive_destination: bool = strawberry.field(
        default=False,
        description="Acknowledge expensive destinations for every item of the batch.",
    )
    debts: list[CreateDebtsItemInput] = strawberry.field(
        description=f"The debts, at most {MAX_BATCH_SIZE}."
    )


CreateDebtError = Annotated[
    ValidationError | ExpensiveDestinationError,
    strawberry.union("CreateDebtError", description="Why one item of a batch was not created."),
]


@strawberry.type(description="An item of the batch that was created.")
class CreatedDebt:
    index: int = strawberry.field(description="Position of the item in the input, from 0.")
    temp_id: str | None = strawberry.field(description="The item's tempId, if given.")
    debt: Debt = strawberry.field(description="The created debt.")


@strawberry.type(description="An item of the batch that was not created.")
class FailedDebt:
    index: int = strawberry.field(description="Position of the item in the input, from 0.")
    temp_id: str | None = strawberry.field(description="The item's tempId, if given.")
    error: CreateDebtError = strawberry.field(
        description="The same error createDebt would have returned for this item."
    )


@strawberry.type(description="Counts of a batch.")
class ImportSummary:
    total: int = strawberry.field(description="Items received.")
    created: int = strawberry.field(description="Items created.")
    failed: int = strawberry.field(description="Items refused.")


@strawberry.type(
    description="The result of a batch: valid items are created even when others fail."
)
class DebtImport:
    import_id: strawberry.ID = strawberry.field(description="Opaque identifier of the import.")
    batch_name: str = strawberry.field(description="Name of the import.")
    created: list[CreatedDebt] = strawberry.field(description="Created items, in input order.")
    failed: list[FailedDebt] = strawberry.field(description="Refused items, in input order.")
    summary: ImportSummary = strawberry.field(description="Counts.")

    @classmethod
    def of(cls, outcome: ImportOutcome) -> DebtImport:
        failed = []
        for item in outcome.failed:
            reason = item.reason
            error: ValidationError | ExpensiveDestinationError = (
                ExpensiveDestinationError.of(reason)
                if isinstance(reason, ExpensiveDestination)
                else ValidationError.of(reason.errors)
            )
            failed.append(FailedDebt(index=item.index, temp_id=item.temp_id, error=error))
        return cls(
            import_id=strawberry.ID(outcome.import_id),
            batch_name=outcome.batch_name,
            created=[
                CreatedDebt(index=item.index, temp_id=item.temp_id, debt=Debt.of(item.debt))
                for item in outcome.created
            ],
            failed=failed,
            summary=ImportSummary(
                total=outcome.total, created=len(outcome.created), failed=len(outcome.failed)
            ),
        )


CreateDebtsResult = Annotated[
    DebtImport | ValidationError,
    strawberry.union(
        "CreateDebtsResult",
        description="The import, or a ValidationError about the batch itself (nothing written).",
    ),
]
