"""Creating and listing a company's timelines, and finding the one a debt names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel import select
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
    session: AsyncSession, *, company_id: int, raw: TimelineInput
) -> TimelineView | list[FieldError]:
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
    )
    session.add(row)
    await session.commit()
    return TimelineView.of(row)


async def list_timelines(session: AsyncSession, *, tenant: Tenant) -> list[TimelineView]:
    rows = await session.exec(
        select(Timeline).where(Timeline.company_id == tenant.id).order_by(Timeline.id)  # type: ignore[arg-type]
    )
    return [TimelineView.of(row) for row in rows]


async def find_usable_timeline(
    session: AsyncSession, *, tenant: Tenant, public_id: str | None
) -> Timeline | None:
    """The caller's active timeline with that id, else None.

    Malformed, unknown, inactive and foreign ids all take this same single query, so
    neither the answer nor its timing tells them apart (SPEC section 6).
    """
    if public_id is None:
        return None
    return (
        await session.exec(
            select(Timeline).where(
                Timeline.public_id == ids.lookup_key(public_id),
                Timeline.company_id == tenant.id,
                Timeline.active,
            )
        )
    ).first()
