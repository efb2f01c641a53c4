"""Each debt's history (SPEC section 11): its events, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.pages import (
    MAX_PAGE_SIZE,
    InvalidCursor,
    PageSizeOutOfRange,
    cursor_for,
    public_id_of,
)
from app.services.tenants import Tenant
from app.storage import debt_events, ids
from app.storage.db import UnitOfWork, connection_of
from app.storage.debt_events import EventRecord


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[EventRecord]
    has_next_page: bool
    has_previous_page: bool


def event_cursor(event: EventRecord) -> str:
    return cursor_for(event.public_id)


async def list_debt_events(
    work: UnitOfWork, *, tenant: Tenant, debt_id: str, first: int, after: str | None = None
) -> EventPage | PageSizeOutOfRange | InvalidCursor:
    """Up to `first` events of the company's debt, newest first, after the cursor if given."""
    if not 0 <= first <= MAX_PAGE_SIZE:
        return PageSizeOutOfRange(first)
    after_id = None
    if after is not None:
        after_id = public_id_of(after, ids.EVENT)
        if after_id is None:
            return InvalidCursor()
    found = await debt_events.list_events(
        await connection_of(work),
        company_id=tenant.id,
        debt_public_id=debt_id,
        limit=first,
        after=after_id,
    )
    if found is None:
        return InvalidCursor()
    # A valid `after` is an event of this debt: at least that one comes before the page.
    return EventPage(found.events, found.has_more, has_previous_page=after_id is not None)
