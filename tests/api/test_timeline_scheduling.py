"""When a debt's timeline starts (SPEC section 6), through HTTP with a fixed clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from app.runtime import Runtime
from tests.utils.api import VALID_DEBT, Api
from tests.utils.clock import Clock
from tests.utils.timelines import timeline_id

PARIS = "Europe/Paris"
REUNION = "Indian/Reunion"
MARTINIQUE = "America/Martinique"
WEEKEND = ["SAT", "SUN"]


@dataclass
class Companies:
    """One company per time zone for the module: each case makes its own timeline."""

    http: httpx.AsyncClient
    runtime: Runtime
    by_zone: dict[str, Api] = field(default_factory=dict)

    async def in_zone(self, zone: str) -> Api:
        if zone not in self.by_zone:
            self.by_zone[zone] = await Api.for_new_company(self.http, self.runtime, timezone=zone)
        return self.by_zone[zone]


@pytest.fixture(scope="module")
def companies(http: httpx.AsyncClient, runtime: Runtime) -> Companies:
    return Companies(http, runtime)


async def import_debt(
    companies: Companies,
    clock: Clock,
    *,
    zone: str,
    at: datetime,
    timeline: dict[str, Any],
    mode: str | None = "NEXT_DAY",
) -> dict[str, Any]:
    """Create a timeline, stop the clock at `at`, import a debt on it; the Debt as read back."""
    api = await companies.in_zone(zone)  # before the clock stops: its token is real-time
    timeline_key = await timeline_id(api, **timeline)
    clock.set(at)
    debt: dict[str, Any] = {**VALID_DEBT, "timelineId": timeline_key}
    if mode is not None:
        debt["timelineStartMode"] = mode
    created = await api.create_debt(debt)
    assert created["__typename"] == "Debt", created
    assert created["timelineId"] == timeline_key
    read = await api.debt(created["id"])
    assert read is not None
    # What was stored (as UTC, on both backends) reads back with the same instant and offset.
    assert (read["importDate"], read["timelineStartAt"]) == (
        created["importDate"],
        created["timelineStartAt"],
    )
    return created


def local(zone: str, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


async def test_immediate_starts_at_the_import_instant(companies: Companies, clock: Clock) -> None:
    for mode in ["IMMEDIATE", None]:  # IMMEDIATE is also the default
        debt = await import_debt(
            companies,
            clock,
            zone=PARIS,
            at=datetime(2025, 6, 13, 13, 0, 5, 123456, tzinfo=UTC),
            timeline={"excludedWeekdays": WEEKEND},
            mode=mode,
        )
        assert debt["timelineStartMode"] == "IMMEDIATE"
        assert debt["importDate"] == "2025-06-13T15:00:05.123456+02:00"
        assert debt["timelineStartAt"] == debt["importDate"]


# (import instant, zone of the company, timeline, expected importDate, expected start)
NEXT_DAY_CASES = [
    pytest.param(
        local(PARIS, 2025, 6, 13, 15, 0), PARIS, {"excludedWeekdays": WEEKEND},
        "2025-06-13T15:00:00+02:00", "2025-06-16T09:00:00+02:00",
        id="friday-skips-the-weekend",
    ),
    pytest.param(
        local(PARIS, 2025, 6, 16, 7, 0), PARIS, {"excludedWeekdays": WEEKEND},
        "2025-06-16T07:00:00+02:00", "2025-06-17T09:00:00+02:00",
        id="strictly-after-the-import-date-even-before-start-time",
    ),
    pytest.param(
        local(PARIS, 2025, 6, 15, 10, 0), PARIS, {"excludedWeekdays": ["MON"]},
        "2025-06-15T10:00:00+02:00", "2025-06-17T09:00:00+02:00",
        id="only-the-timelines-excluded-days",
    ),
    pytest.param(
        local(PARIS, 2025, 4, 18, 10, 0), PARIS, {"excludedWeekdays": WEEKEND},
        "2025-04-18T10:00:00+02:00", "2025-04-22T09:00:00+02:00",
        id="friday-before-easter-monday",
    ),
    pytest.param(
        local(PARIS, 2025, 12, 31, 10, 0), PARIS, {"excludedWeekdays": WEEKEND},
        "2025-12-31T10:00:00+01:00", "2026-01-02T09:00:00+01:00",
        id="31-december-skips-new-year",
    ),
    pytest.param(
        local(PARIS, 2025, 4, 30, 10, 0), PARIS, {"excludedWeekdays": WEEKEND},
        "2025-04-30T10:00:00+02:00", "2025-05-02T09:00:00+02:00",
        id="30-april-skips-labour-day",
    ),
    pytest.param(
        local(PARIS, 2025, 5, 1, 10, 0), PARIS, {"excludedWeekdays": WEEKEND},
        "2025-05-01T10:00:00+02:00", "2025-05-02T09:00:00+02:00",
        id="imported-on-a-holiday",
    ),
    pytest.param(
        local(PARIS, 2025, 4, 17, 10, 0), PARIS, {"excludedWeekdays": WEEKEND},
        "2025-04-17T10:00:00+02:00", "2025-04-18T09:00:00+02:00",
        id="good-friday-is-worked-in-national-france",
    ),
    pytest.param(
        local(PARIS, 2025, 4, 17, 10, 0), PARIS,
        {"excludedWeekdays": WEEKEND, "holidaySubdivision": "57"},
        "2025-04-17T10:00:00+02:00", "2025-04-22T09:00:00+02:00",
        id="good-friday-in-moselle",
    ),
    pytest.param(
        local(PARIS, 2025, 12, 24, 10, 0), PARIS, {"excludedWeekdays": WEEKEND},
        "2025-12-24T10:00:00+01:00", "2025-12-26T09:00:00+01:00",
        id="26-december-is-worked-in-national-france",
    ),
    pytest.param(
        local(PARIS, 2025, 12, 24, 10, 0), PARIS,
        {"excludedWeekdays": WEEKEND, "holidaySubdivision": "6AE"},
        "2025-12-24T10:00:00+01:00", "2025-12-29T09:00:00+01:00",
        id="26-december-in-alsace-moselle",
    ),
    pytest.param(
        local(REUNION, 2024, 12, 19, 10, 0), REUNION, {"excludedWeekdays": WEEKEND},
        "2024-12-19T10:00:00+04:00", "2024-12-20T09:00:00+04:00",
        id="20-december-is-worked-in-national-france",
    ),
    pytest.param(
        local(REUNION, 2024, 12, 19, 10, 0), REUNION,
        {"excludedWeekdays": WEEKEND, "holidaySubdivision": "974"},
        "2024-12-19T10:00:00+04:00", "2024-12-23T09:00:00+04:00",
        id="20-december-in-reunion",
    ),
    pytest.param(
        local(REUNION, 2024, 12, 19, 10, 0), REUNION,
        {"excludedWeekdays": WEEKEND, "holidaySubdivision": "RE"},
        "2024-12-19T10:00:00+04:00", "2024-12-23T09:00:00+04:00",
        id="20-december-in-reunion-by-its-alias",
    ),
    # Paris is ahead of UTC: at 00:30 on Monday in Paris it is still Sunday in UTC. The
    # local Monday is the import date, so the start is Tuesday (Monday if UTC were used).
    pytest.param(
        datetime(2025, 1, 12, 23, 30, tzinfo=UTC), PARIS, {"excludedWeekdays": WEEKEND},
        "2025-01-13T00:30:00+01:00", "2025-01-14T09:00:00+01:00",
        id="paris-monday-0030-is-sunday-in-utc",
    ),
    pytest.param(
        datetime(2025, 1, 12, 22, 59, tzinfo=UTC), PARIS, {"excludedWeekdays": WEEKEND},
        "2025-01-12T23:59:00+01:00", "2025-01-13T09:00:00+01:00",
        id="paris-late-sunday-evening",
    ),
    # Martinique is behind UTC: Sunday 21:00 there is already Monday in UTC. The local
    # Sunday is the import date, so the start is Monday (Tuesday if UTC were used).
    pytest.param(
        datetime(2025, 1, 13, 1, 0, tzinfo=UTC), MARTINIQUE, {"excludedWeekdays": WEEKEND},
        "2025-01-12T21:00:00-04:00", "2025-01-13T09:00:00-04:00",
        id="martinique-sunday-evening-is-monday-in-utc",
    ),
    # Daylight saving time: the start carries the offset of its own day, not the import's.
    pytest.param(
        local(PARIS, 2025, 3, 28, 12, 0), PARIS, {"excludedWeekdays": WEEKEND},
        "2025-03-28T12:00:00+01:00", "2025-03-31T09:00:00+02:00",
        id="across-spring-forward",
    ),
    pytest.param(
        local(PARIS, 2025, 3, 29, 12, 0), PARIS, {},
        "2025-03-29T12:00:00+01:00", "2025-03-30T09:00:00+02:00",
        id="on-the-spring-forward-sunday",
    ),
    pytest.param(
        local(PARIS, 2025, 10, 24, 12, 0), PARIS, {"excludedWeekdays": WEEKEND},
        "2025-10-24T12:00:00+02:00", "2025-10-27T09:00:00+01:00",
        id="across-fall-back",
    ),
    pytest.param(
        local(PARIS, 2025, 10, 25, 12, 0), PARIS, {},
        "2025-10-25T12:00:00+02:00", "2025-10-26T09:00:00+01:00",
        id="on-the-fall-back-sunday",
    ),
    # 02:30 does not exist on 30 March 2025 in Paris: the clock jumps from 02:00 to 03:00.
    pytest.param(
        local(PARIS, 2025, 3, 29, 12, 0), PARIS, {"startTime": "02:30"},
        "2025-03-29T12:00:00+01:00", "2025-03-30T03:30:00+02:00",
        id="start-time-in-the-spring-forward-gap",
    ),
    # 02:30 happens twice on 26 October 2025 in Paris: the first one is taken.
    pytest.param(
        local(PARIS, 2025, 10, 25, 12, 0), PARIS, {"startTime": "02:30"},
        "2025-10-25T12:00:00+02:00", "2025-10-26T02:30:00+02:00",
        id="start-time-in-the-fall-back-repeat",
    ),
    pytest.param(
        local(PARIS, 2025, 6, 13, 15, 0), PARIS,
        {"excludedWeekdays": WEEKEND, "startTime": "18:45"},
        "2025-06-13T15:00:00+02:00", "2025-06-16T18:45:00+02:00",
        id="the-timelines-start-time",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("at", "zone", "timeline", "import_date", "start"), NEXT_DAY_CASES)
async def test_next_day_starts_on_the_next_local_business_day(
    companies: Companies,
    clock: Clock,
    at: datetime,
    zone: str,
    timeline: dict[str, Any],
    import_date: str,
    start: str,
) -> None:
    debt = await import_debt(companies, clock, zone=zone, at=at, timeline=timeline)

    assert debt["timelineStartMode"] == "NEXT_DAY"
    assert debt["importDate"] == import_date
    assert debt["timelineStartAt"] == start
