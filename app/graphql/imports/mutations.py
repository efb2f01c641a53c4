"""createDebts: authorize, hand the batch to the import service, map the outcome."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.common import ValidationError
from app.graphql.context import Info
from app.graphql.errors import key_refusal
from app.graphql.imports.types import CreateDebtsInput, CreateDebtsResult, DebtImport
from app.graphql.permissions import authorize
from app.services.debts import ValidationFailed
from app.services.idempotency import KeyConflict, KeyInProgress
from app.services.imports import import_debts
from app.services.tenants import Scope


@strawberry.type
class ImportMutations:
    @strawberry.mutation(
        description="Register up to 1,000 debts at once. Requires scope debts:write. Each item "
        "is checked exactly as createDebt checks it; valid items are created even when others "
        "fail, all in one transaction."
    )
    async def create_debts(
        self,
        info: Info,
        input: Annotated[CreateDebtsInput, strawberry.argument(description="The batch.")],
        idempotency_key: Annotated[
            str | None,
            strawberry.argument(
                description="1 to 255 characters: retrying the batch with the same key and "
                "input returns the first result instead of importing it twice."
            ),
        ] = None,
    ) -> CreateDebtsResult:
        caller = await authorize(info, Scope.DEBTS_WRITE)
        runtime = info.context.runtime
        async with runtime.sessions() as session:
            outcome = await import_debts(
                session,
                tenant=caller.tenant,
                items=[item.to_item() for item in input.debts],
                batch_name=input.batch_name,
                accept_expensive_destination=input.accept_expensive_destination,
                policy=runtime.settings.intake_policy,
                clock=runtime.clock,
                actor=caller.client_id,
                idempotency_key=idempotency_key,
                key_policy=runtime.settings.key_policy,
            )
        if isinstance(outcome, KeyConflict | KeyInProgress):
            raise key_refusal(outcome)
        if isinstance(outcome, ValidationFailed):
            return ValidationError.of(outcome.errors)
        return DebtImport.of(outcome)
