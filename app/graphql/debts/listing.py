"""GraphQL shapes of the debts listing: a Relay-style connection and its filter."""

from __future__ import annotations

import datetime as dt

import strawberry

from app.domain import debts
from app.graphql.debts.types import Debt
from app.graphql.enums import DebtStatus
from app.graphql.pages import PageInfo
from app.services.debt_listing import DebtFilter, DebtPage, cursor_of


@strawberry.input(name="DebtFilter", description="Criteria a listed debt must all meet.")
class DebtFilterInput:
    status: DebtStatus | None = strawberry.field(
        default=None, description="Only debts with this status."
    )
    internal_id: str | None = strawberry.field(
        default=None, description="Only debts with exactly this internalId (trimmed)."
    )
    imported_from: dt.datetime | None = strawberry.field(
        default=None, description="Only debts imported at or after this instant."
    )
    imported_before: dt.datetime | None = strawberry.field(
        default=None, description="Only debts imported strictly before this instant."
    )

    def to_service(self) -> DebtFilter:
        return DebtFilter(
            status=debts.DebtStatus[self.status.name] if self.status else None,
            internal_id=self.internal_id,
            imported_from=self.imported_from,
            imported_before=self.imported_before,
        )


@strawberry.type(description="One debt of a page, with the cursor that points at it.")
class DebtEdge:
    cursor: str = strawberry.field(
        description="Opaque; pass it as `after` to list the debts that follow this one."
    )
    node: Debt = strawberry.field(description="The debt.")


@strawberry.type(description="A page of your debts, newest first (Relay cursor connection).")
class DebtConnection:
    edges: list[DebtEdge] = strawberry.field(description="The debts of this page, in order.")
    page_info: PageInfo = strawberry.field(description="How to fetch the next page.")

    @classmethod
    def of(cls, page: DebtPage) -> DebtConnection:
        edges = [DebtEdge(cursor=cursor_of(view), node=Debt.of(view)) for view in page.debts]
        return cls(
            edges=edges, page_info=PageInfo.of(edges, page.has_next_page, page.has_previous_page)
        )
