"""Creating and listing a company's timelines, and finding the one a debt names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

from app.domain.errors import FieldError
from app.domain.scheduling import WorkingCalendar, format_weekdays, parse_weekdays
from app.domain.timelines import TimelineInput, validate_timeline
from app.services.pages import MAX_PAGE_SIZE, InvalidCursor, PageSizeOutOfRange, public_id_of
from app.services.tenants import Tenant
from app.storage import ids, timelines
from app.storage.db import UnitOfWork, connection_of
from app.storage.timelines import TimelineRecord


@dataclass(frozen=True, slots=True)
class TimelineView:
    id: str
    name: str
    excluded_weekdays: frozenset[int]
    holiday_country: str
    holiday_subdivision: str | None
    start_time: time
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, record: TimelineRecord) -> TimelineView:
        return cls(
            id=record.public_id,
            name=record.name,
            excluded_weekdays=parse_weekdays(record.excluded_weekdays) or frozenset(),
            holiday_country=record.holiday_country,
            holiday_subdivision=record.holiday_subdivision,
            start_time=record.start_time,
            active=record.active,
            created_at=record.created_at,
        )


def working_calendar(record: TimelineRecord) -> WorkingCalendar:
    return WorkingCalendar(
        excluded_weekdays=parse_weekdays(record.excluded_weekdays) or frozenset(),
        holiday_country=record.holiday_country,
        holiday_subdivision=record.holiday_subdivision,
        start_time=record.start_time,
    )


async def create_timeline(
    work: UnitOfWork, *, company_id: int, raw: TimelineInput, now: datetime
) -> TimelineView | list[FieldError]:
    """Validate and store a timeline; nothing is written on refusal."""
    valid = validate_timeline(raw)
    if isinstance(valid, list):
        return valid
    calendar = valid.calendar
    record = await timelines.insert_timeline(
        await connection_of(work),
        public_id=ids.new_public_id(ids.TIMELINE),
        company_id=company_id,
        name=valid.name,
        excluded_weekdays=format_weekdays(calendar.excluded_weekdays),
        holiday_country=calendar.holiday_country,
        holiday_subdivision=calendar.holiday_subdivision,
        start_time=calendar.start_time,
        active=valid.active,
        created_at=now,
    )
    await work.commit()
    return TimelineView.of(record)


@dataclass(frozen=True, slots=True)
class TimelinePage:
    timelines: list[TimelineView]
    has_next_page: bool
    has_previous_page: bool


async def list_timelines(
    work: UnitOfWork, *, tenant: Tenant, first: int = MAX_PAGE_SIZE, after: str | None = None
) -> TimelinePage | PageSizeOutOfRange | InvalidCursor:
    """Up to `first` of the company's timelines, oldest first, after the cursor if given."""
    if not 0 <= first <= MAX_PAGE_SIZE:
        return PageSizeOutOfRange(first)
    after_id = None
    if after is not None:
        after_id = public_id_of(after, ids.TIMELINE)
        if after_id is None:
            return InvalidCursor()
    found = await timelines.timelines_of(
        await connection_of(work), company_id=tenant.id, limit=first, after=after_id
    )
    if found is None:
        return InvalidCursor()
    return TimelinePage(
        [TimelineView.of(record) for record in found.timelines],
        has_next_page=found.has_more,
        has_previous_page=found.has_before,
    )


async def find_usable_timelines(
    work: UnitOfWork, *, tenant: Tenant, public_ids: Iterable[str | None]
) -> dict[str, TimelineRecord]:
    """The caller's active timelines among these ids, by id; the others are simply absent.

    Malformed, unknown, inactive and foreign ids all take this same single query, so
    neither the answer nor its timing tells them apart (SPEC section 6).
    """
    # Text that cannot be an id becomes a key of no row: still one query, never a fault.
    wanted = {ids.lookup_key(ids.TIMELINE, public_id) for public_id in public_ids if public_id}
    if not wanted:
        return {}
    return await timelines.active_timelines(
        await connection_of(work), company_id=tenant.id, public_ids=wanted
    )


async def find_usable_timeline(
    work: UnitOfWork, *, tenant: Tenant, public_id: str | None
) -> TimelineRecord | None:
    """The caller's active timeline with that id, else None (see find_usable_timelines)."""
    if public_id is None:
        return None
    found = await find_usable_timelines(work, tenant=tenant, public_ids=[public_id])
    return found.get(public_id)
