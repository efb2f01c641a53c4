"""createDebt: authorize, hand the input to the service, map the outcome to the union."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain import debts
from app.domain.debts import ExpensiveDestination
from app.domain.updates import DebtLocked as DomainDebtLocked
from app.graphql.common import ValidationError
from app.graphql.context import Info
from app.graphql.debts.changes import (
    NOT_FOUND_MESSAGE,
    ChangeDebtStatusResult,
    DebtLocked,
    DebtNotFound,
    EraseDebtResult,
    InvalidStatusTransition,
    UpdateDebtInput,
    UpdateDebtResult,
    VersionConflict,
)
from app.graphql.debts.inputs import CreateDebtInput
from app.graphql.debts.types import CreateDebtResult, Debt, ExpensiveDestinationError
from app.graphql.enums import DebtStatus
from app.graphql.errors import key_refusal
from app.graphql.permissions import authorize
from app.services import debt_changes as changes
from app.services.debt_changes import change_debt_status, erase_debt, update_debt
from app.services.debts import DebtView, ValidationFailed, create_debt
from app.services.idempotency import KeyConflict, KeyInProgress
from app.services.tenants import Scope
from app.storage.debts import StoredDebt


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
            actor=caller.client_id,
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


_DEBT_ID = strawberry.argument(description="The debt's id.")
_EXPECTED_VERSION = strawberry.argument(
    description="The version you read; when the debt is at another one, nothing changes and "
    "the answer is VersionConflict. Omit to change whatever version is current."
)


@strawberry.type
class DebtChangeMutations:
    @strawberry.mutation(
        description="Change some fields of a debt (omitted: kept; null: cleared), with "
        "createDebt's rules. Requires scope debts:write. A change that changes nothing "
        "records no event and keeps the version."
    )
    async def update_debt(
        self,
        info: Info,
        id: Annotated[strawberry.ID, _DEBT_ID],
        input: Annotated[UpdateDebtInput, strawberry.argument(description="The changes.")],
        expected_version: Annotated[int | None, _EXPECTED_VERSION] = None,
    ) -> UpdateDebtResult:
        caller = await authorize(info, Scope.DEBTS_WRITE)
        runtime = info.context.runtime
        policy = runtime.settings.intake_policy
        outcome = await update_debt(
            runtime.engine,
            tenant=caller.tenant,
            actor=caller.client_id,
            public_id=id,
            patch=input.to_patch(),
            accept_expensive_destination=input.accepts_expensive_destination,
            expected_version=expected_version,
            policy=policy,
            clock=runtime.clock,
        )
        if isinstance(outcome, StoredDebt):
            return Debt.of(DebtView.of(outcome, tenant=caller.tenant, policy=policy))
        if isinstance(outcome, ValidationFailed):
            return ValidationError.of(outcome.errors)
        if isinstance(outcome, ExpensiveDestination):
            return ExpensiveDestinationError.of(outcome)
        if isinstance(outcome, DomainDebtLocked):
            return DebtLocked.of(outcome)
        if isinstance(outcome, changes.VersionConflict):
            return VersionConflict.of(outcome)
        return DebtNotFound(message=NOT_FOUND_MESSAGE)

    @strawberry.mutation(
        description="Set a debt's status as the transition table allows (see the README). "
        "Requires scope debts:write. The current status again is a success with no event."
    )
    async def change_debt_status(
        self,
        info: Info,
        id: Annotated[strawberry.ID, _DEBT_ID],
        status: Annotated[DebtStatus, strawberry.argument(description="The new status.")],
        reason: Annotated[
            str | None,
            strawberry.argument(description="Why, at most 500 characters; kept on the event."),
        ] = None,
        expected_version: Annotated[int | None, _EXPECTED_VERSION] = None,
    ) -> ChangeDebtStatusResult:
        caller = await authorize(info, Scope.DEBTS_WRITE)
        runtime = info.context.runtime
        outcome = await change_debt_status(
            runtime.engine,
            company_id=caller.tenant.id,
            actor=caller.client_id,
            public_id=id,
            target=debts.DebtStatus[status.name],
            reason=reason,
            expected_version=expected_version,
            transitions=runtime.settings.status_transitions,
            policy=runtime.settings.intake_policy,
            clock=runtime.clock,
        )
        if isinstance(outcome, StoredDebt):
            policy = runtime.settings.intake_policy
            return Debt.of(DebtView.of(outcome, tenant=caller.tenant, policy=policy))
        if isinstance(outcome, ValidationFailed):
            return ValidationError.of(outcome.errors)
        if isinstance(outcome, changes.InvalidStatusTransition):
            return InvalidStatusTransition.of(outcome)
        if isinstance(outcome, changes.VersionConflict):
            return VersionConflict.of(outcome)
        return DebtNotFound(message=NOT_FOUND_MESSAGE)

    @strawberry.mutation(
        description="Erase the debtor's personal data for good (right to erasure): the debt "
        "keeps its accounting fields, becomes ARCHIVED and gets erasedAt. Erasing again "
        "changes nothing. Requires scope debts:write."
    )
    async def erase_debt(
        self, info: Info, id: Annotated[strawberry.ID, _DEBT_ID]
    ) -> EraseDebtResult:
        caller = await authorize(info, Scope.DEBTS_WRITE)
        runtime = info.context.runtime
        outcome = await erase_debt(
            runtime.engine,
            tenant=caller.tenant,
            actor=caller.client_id,
            public_id=id,
            policy=runtime.settings.intake_policy,
            clock=runtime.clock,
        )
        if isinstance(outcome, StoredDebt):
            policy = runtime.settings.intake_policy
            return Debt.of(DebtView.of(outcome, tenant=caller.tenant, policy=policy))
        return DebtNotFound(message=NOT_FOUND_MESSAGE)
