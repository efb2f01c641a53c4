"""Creating and listing a company's timelines, and finding the one a debt names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.errors import FieldError
from app.domain.scheduling import WorkingCalendar, format_weekdays, parse_weekdays
from app.domain.timelines import TimelineInput, validate_timeline
from app.services.tenants import Tenant
from app.storage import ids
from app.storage.models import Timeline


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
    def of(cls, row: Timeline) -> TimelineView:
        return cls(
            id=row.public_id,
            name=row.name,
            excluded_weekdays=parse_weekdays(row.excluded_weekdays) or frozenset(),
            holiday_country=row.holiday_country,
            holiday_subdivision=row.holiday_subdivision,
            start_time=row.start_time,
            active=row.active,
            created_at=row.created_at,
        )


def working_calendar(row: Timeline) -> WorkingCalendar:
    return WorkingCalendar(
        excluded_weekdays=parse_weekdays(row.excluded_weekdays) or frozenset(),
        holiday_country=row.holiday_country,
        holiday_subdivision=row.holiday_subdivision,
        start_time=row.start_time,
    )


async def create_timeline(
    session: AsyncSession, *, company_id: int, raw: TimelineInput, now: datetime
) -> TimelineView | list[FieldError]:
    """Validate and store a timeline; nothing is written on refusal."""
    valid = validate_timeline(raw)
    if isinstance(valid, list):
        return valid
    calendar = valid.calendar
    row = Timeline(
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
    session.add(row)
    await session.commit()
    return TimelineView.of(row)


async def list_timelines(session: AsyncSession, *, tenant: Tenant) -> list[TimelineView]:
    rows = await session.exec(
        select(Timeline).where(Timeline.company_id == tenant.id).order_by(Timeline.id)  # type: ignore[arg-type]
    )
    return [TimelineView.of(row) for row in rows]


async def find_usable_timelines(
    session: AsyncSession, *, tenant: Tenant, public_ids: Iterable[str | None]
) -> dict[str, Timeline]:
    """The caller's active timelines among these ids, by id; the others are simply absent.

    Malformed, unknown, inactive and foreign ids all take this same single query, so
    neither the answer nor its timing tells them apart (SPEC section 6).
    """
    # Text that cannot be an id becomes a key of no row: still one query, never a fault.
    wanted = {ids.lookup_key(ids.TIMELINE, public_id) for public_id in public_ids if public_id}
    if not wanted:
        return {}
    rows = await session.exec(
        select(Timeline).where(
            col(Timeline.public_id).in_(wanted),
            Timeline.company_id == tenant.id,
            Timeline.active,
        )
    )
    return {row.public_id: row for row in rows}


async def find_usable_timeline(
    session: AsyncSession, *, tenant: Tenant, public_id: str | None
) -> Timeline | None:
    """The caller's active timeline with that id, else None (see find_usable_timelines)."""
    if public_id is None:
        return None
    found = await find_usable_timelines(session, tenant=tenant, public_ids=[public_id])
    return found.get(public_id)
