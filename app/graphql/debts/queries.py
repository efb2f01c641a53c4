"""debt(id): one of the caller's debts; debts: a page of them."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.debts.listing import DebtConnection, DebtFilterInput
from app.graphql.debts.types import Debt
from app.graphql.pages import refused_page
from app.graphql.permissions import authorize
from app.services.debt_listing import list_debts
from app.services.debts import find_debt
from app.services.pages import MAX_PAGE_SIZE, InvalidCursor, PageSizeOutOfRange
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

    @strawberry.field(
        description="A page of your company's debts, newest first (then by a stable key), "
        "optionally filtered. Requires scope debts:read."
    )
    async def debts(
        self,
        info: Info,
        first: Annotated[
            int,
            strawberry.argument(description=f"Page size, 0 to {MAX_PAGE_SIZE}."),
        ] = 20,
        after: Annotated[
            str | None,
            strawberry.argument(description="endCursor of the previous page; omit for the first."),
        ] = None,
        filter: Annotated[
            DebtFilterInput | None,
            strawberry.argument(description="Criteria every listed debt meets."),
        ] = None,
    ) -> DebtConnection:
        caller = await authorize(info, Scope.DEBTS_READ)
        runtime = info.context.runtime
        async with runtime.sessions() as session:
            outcome = await list_debts(
                session,
                tenant=caller.tenant,
                policy=runtime.settings.intake_policy,
                first=first,
                after=after,
                wanted=filter.to_service() if filter else None,
            )
        if isinstance(outcome, PageSizeOutOfRange | InvalidCursor):
            raise refused_page(outcome, "debts")
        return DebtConnection.of(outcome)
