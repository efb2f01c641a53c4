"""createTimeline and timelines."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.graphql.common import ValidationError
from app.graphql.context import Info
from app.graphql.pages import refused_page
from app.graphql.permissions import authorize
from app.graphql.timelines.types import (
    CreateTimelineInput,
    CreateTimelineResult,
    Timeline,
    TimelineConnection,
)
from app.services.pages import MAX_PAGE_SIZE, InvalidCursor, PageSizeOutOfRange
from app.services.tenants import Scope
from app.services.timelines import create_timeline, list_timelines


@strawberry.type
class TimelineMutations:
    @strawberry.mutation(description="Create a collection timeline. Requires timelines:write.")
    async def create_timeline(
        self,
        info: Info,
        input: Annotated[CreateTimelineInput, strawberry.argument(description="The timeline.")],
    ) -> CreateTimelineResult:
        caller = await authorize(info, Scope.TIMELINES_WRITE)
        runtime = info.context.runtime
        async with runtime.sessions() as session:
            outcome = await create_timeline(
                session, company_id=caller.tenant.id, raw=input.to_domain(), now=runtime.clock()
            )
        if isinstance(outcome, list):
            return ValidationError.of(outcome)
        return Timeline.of(outcome)


@strawberry.type
class TimelineQueries:
    @strawberry.field(
        description="A page of your company's timelines, oldest first. Requires timelines:read."
    )
    async def timelines(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description=f"Page size, 0 to {MAX_PAGE_SIZE}.")
        ] = 20,
        after: Annotated[
            str | None,
            strawberry.argument(description="endCursor of the previous page; omit for the first."),
        ] = None,
    ) -> TimelineConnection:
        caller = await authorize(info, Scope.TIMELINES_READ)
        async with info.context.runtime.sessions() as session:
            outcome = await list_timelines(session, tenant=caller.tenant, first=first, after=after)
        if isinstance(outcome, PageSizeOutOfRange | InvalidCursor):
            raise refused_page(outcome, "timelines")
        return TimelineConnection.of(outcome)
