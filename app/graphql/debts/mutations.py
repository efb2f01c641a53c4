"""createDebt: authorize, hand the input to the service, map the outcome to the union."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain.debts import ExpensiveDestination
from app.graphql.common import ValidationError
from app.graphql.context import Info
from app.graphql.debts.inputs import CreateDebtInput
from app.graphql.debts.types import CreateDebtResult, Debt, ExpensiveDestinationError
from app.graphql.errors import key_refusal
from app.graphql.permissions import authorize
from app.services.debts import ValidationFailed, create_debt
from app.services.idempotency import KeyConflict, KeyInProgress
from app.services.tenants import Scope


@strawberry.type
class DebtMutations:
    @strawberry.mutation(
        description="Register a debt for collection. Requires scope debts:write. Returns the "
        "Debt, or a ValidationError / ExpensiveDestinationError with nothing written."
    )
    async def create_debt(
        self,
        info: Info,
        input: Annotated[CreateDebtInput, strawberry.argument(description="The debt.")],
        idempotency_key: Annotated[
            str | None,
            strawberry.argument(
                description="1 to 255 characters, kept 24 hours per company: retrying "
                "with the same key and input returns the first result (the same debt) "
                "instead of creating a second one; the same key with another input is an "
                "IDEMPOTENCY_CONFLICT error."
            ),
        ] = None,
    ) -> CreateDebtResult:
        caller = await authorize(info, Scope.DEBTS_WRITE)
        runtime = info.context.runtime
        outcome = await create_debt(
            runtime.engine,
            tenant=caller.tenant,
            raw=input.to_domain(),
            policy=runtime.settings.intake_policy,
            clock=runtime.clock,
            idempotency_key=idempotency_key,
            key_policy=runtime.settings.key_policy,
            subscriptions=runtime.webhook_subscriptions,
        )
        if isinstance(outcome, KeyConflict | KeyInProgress):
            raise key_refusal(outcome)
        if isinstance(outcome, ValidationFailed):
            return ValidationError.of(outcome.errors)
        if isinstance(outcome, ExpensiveDestination):
            return ExpensiveDestinationError.of(outcome)
        return Debt.of(outcome)
