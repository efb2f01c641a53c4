"""debt(id): one of the caller's debts."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.debts.types import Debt
from app.graphql.permissions import authorize
from app.services.debts import find_debt
from app.services.tenants import Scope


@strawberry.type
class DebtQueries:
    @strawberry.field(
        description="One of your debts by id; null when unknown or another company's. "
        "Requires scope debts:read."
    )
    async def debt(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Debt id.")]
    ) -> Debt | None:
        caller = await authorize(info, Scope.DEBTS_READ)
        runtime = info.context.runtime
        async with runtime.sessions() as session:
            view = await find_debt(
                session, tenant=caller.tenant, public_id=id, policy=runtime.settings.intake_policy
            )
        return Debt.of(view) if view else None
