"""The timeline table: inserting a company's timelines and reading them back."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.storage.models import Timeline

_TABLE: Table = Timeline.__table__  # type: ignore[attr-defined]
_C = _TABLE.c


@dataclass(frozen=True, slots=True)
class TimelineRecord:
    id: int  # the database key debts refer to, never shown to callers
    public_id: str
    company_id: int
    name: str
    excluded_weekdays: str  # as app.domain.scheduling.format_weekdays writes them
    holiday_country: str
    holiday_subdivision: str | None
    start_time: time
    active: bool
    created_at: datetime


_COLUMNS = [_C.id, _C.public_id, _C.company_id, _C.name, _C.excluded_weekdays]
_COLUMNS += [_C.holiday_country, _C.holiday_subdivision, _C.start_time, _C.active, _C.created_at]


async def insert_timeline(
    connection: AsyncConnection,
    *,
    public_id: str,
    company_id: int,
    name: str,
    excluded_weekdays: str,
    holiday_country: str,
    holiday_subdivision: str | None,
    start_time: time,
    active: bool,
    created_at: datetime,
) -> TimelineRecord:
    """The timeline row, in the connection's transaction; the record with its new key."""
    values = {
        "public_id": public_id,
        "company_id": company_id,
        "name": name,
        "excluded_weekdays": excluded_weekdays,
        "holiday_country": holiday_country,
        "holiday_subdivision": holiday_subdivision,
        "start_time": start_time,
        "active": active,
        "created_at": created_at,
    }
    key = (await connection.execute(insert(_TABLE).returning(_C.id), values)).scalar_one()
    return TimelineRecord(
        id=key,
        public_id=public_id,
        company_id=company_id,
        name=name,
        excluded_weekdays=excluded_weekdays,
        holiday_country=holiday_country,
        holiday_subdivision=holiday_subdivision,
        start_time=start_time,
        active=active,
        created_at=created_at,
    )


@dataclass(frozen=True, slots=True)
class TimelineSlice:
    timelines: list[TimelineRecord]
    has_more: bool  # more timelines follow the slice
    has_before: bool  # timelines come before the `after` one


async def timelines_of(
    connection: AsyncConnection, *, company_id: int, limit: int, after: str | None = None
) -> TimelineSlice | None:
    """Up to `limit` of the company's timelines, oldest first, after the one whose public id
    is `after`; None when `after` is not one of the company's timelines."""
    criteria = [_C.company_id == company_id]
    if after is not None:
        position = await connection.scalar(
            select(_C.id).where(_C.public_id == after, _C.company_id == company_id)
        )
        if position is None:
            return None
        criteria.append(_C.id > position)
    statement = select(*_COLUMNS).where(*criteria).order_by(_C.id).limit(limit + 1)
    rows = [TimelineRecord(*row) for row in await connection.execute(statement)]
    return TimelineSlice(rows[:limit], has_more=len(rows) > limit, has_before=after is not None)


async def active_timelines(
    connection: AsyncConnection, *, company_id: int, public_ids: Collection[str]
) -> dict[str, TimelineRecord]:
    """The company's active timelines among these public ids, by public id."""
    statement = select(*_COLUMNS).where(
        _C.public_id.in_(public_ids), _C.company_id == company_id, _C.active
    )
    return {row.public_id: TimelineRecord(*row) for row in await connection.execute(statement)}
