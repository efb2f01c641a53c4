"""Working-day calendars and when a debt's collection timeline starts."""

from __future__ import annotations

import enum
import functools
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "WEEKDAY_NAMES",
    "TimelineStartMode",
    "WorkingCalendar",
    "canonical_subdivision",
    "format_weekdays",
    "holiday_calendar_problem",
    "is_holiday",
    "next_business_day",
    "parse_weekdays",
    "timeline_start_at",
]


class TimelineStartMode(enum.Enum):
    """When the collection timeline of a freshly imported debt begins."""

    IMMEDIATE = "IMMEDIATE"
    NEXT_DAY = "NEXT_DAY"


WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_FULL_WEEKDAY_NAMES: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

_WEEKDAY_BY_NAME: dict[str, int] = {
    **{name: number for number, name in enumerate(WEEKDAY_NAMES)},
    **{name: number for number, name in enumerate(_FULL_WEEKDAY_NAMES)},
}

_ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))

# Two years is far more than any real calendar can block in a row; hitting the
# bound means the calendar data is broken, and failing beats looping forever.
_MAX_SEARCH_DAYS = 366 * 2

# Holiday names are never shown from here, but pinning the language keeps the
# library from picking one from the process locale, so behaviour is reproducible.
_HOLIDAY_LANGUAGE = "en_US"


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Which days a creditor's collection work can start on.

    ``excluded_weekdays`` holds ``date.weekday()`` numbers (0 = Monday).
    ``holiday_country`` and ``holiday_subdivision`` use the codes of the
    ``holidays`` library (ISO 3166-1 alpha-2 and its subdivision codes or aliases).
    """

    excluded_weekdays: frozenset[int]
    holiday_country: str = "FR"
    holiday_subdivision: str | None = None
    start_time: time = time(9, 0)


def parse_weekdays(text: str) -> frozenset[int] | None:
    """Parse a comma-separated list of weekday names such as ``"sat,sun"``.

    Names are case-insensitive and may be abbreviated (``"sat"``) or full
    (``"saturday"``); blank items are ignored, so ``""`` is the empty set.
    Returns ``None`` when any item is not a weekday name.
    """
    days: set[int] = set()
    for raw in text.split(","):
        item = raw.strip().lower()
        if not item:
            continue
        number = _WEEKDAY_BY_NAME.get(item)
        if number is None:
            return None
        days.add(number)
    return frozenset(days)


def format_weekdays(days: frozenset[int]) -> str:
    """Render weekday numbers canonically, e.g. ``"sat,sun"``; ``""`` when empty."""
    unknown = days - _ALL_WEEKDAYS
    if unknown:
        raise ValueError(f"not weekday numbers (0-6): {sorted(unknown)}")
    return ",".join(WEEKDAY_NAMES[number] for number in sorted(days))


@functools.cache
def _supported_countries() -> dict[str, list[str]]:
    # Alpha-3 aliases (e.g. "FRA") are left out so each calendar has exactly one
    # spelling once stored.
    return holidays.list_supported_countries(include_aliases=False)


@functools.cache
def _subdivision_aliases(country: str) -> dict[str, str]:
    # The alias table is a class attribute; building an instance with no years
    # is the public way to reach the class and costs no holiday computation.
    entity = holidays.country_holidays(country)
    aliases: dict[str, str] = dict(getattr(type(entity), "subdivisions_aliases", {}))
    return aliases


def holiday_calendar_problem(country: str, subdivision: str | None) -> str | None:
    """Explain why ``holidays`` cannot provide this calendar, or ``None`` if it can.

    Subdivisions may be given as canonical codes or as the library's aliases.
    Subdivisions the library only keeps as deprecated spellings are refused,
    since they are scheduled for removal.
    """
    subdivisions = _supported_countries().get(country)
    if subdivisions is None:
        return f'unknown holiday calendar "{country}"'
    if subdivision is None:
        return None
    aliases = _subdivision_aliases(country)
    if subdivision in subdivisions or subdivision in aliases:
        return None
    if not subdivisions:
        return f'holiday calendar {country} has no subdivisions, so "{subdivision}" is unknown'
    message = (
        f'holiday calendar {country} has no subdivision "{subdivision}"; '
        f"known: {', '.join(subdivisions)}"
    )
    if aliases:
        message += f"; aliases: {', '.join(sorted(aliases))}"
    return message


def canonical_subdivision(country: str, subdivision: str | None) -> str | None:
    """Map a subdivision alias (``"RE"``, ``"Alsace"``...) to the library's code.

    Anything that is not a known alias, including unknown countries, is
    returned unchanged so that validation can report it.
    """
    if subdivision is None or country not in _supported_countries():
        return subdivision
    return _subdivision_aliases(country).get(subdivision, subdivision)


# Holiday objects fill in years lazily on lookup, which mutates them; resolvers
# may run in worker threads, so lookups on the shared objects are serialised.
_HOLIDAY_LOOKUP_LOCK = threading.Lock()


@functools.cache
def _holiday_calendar(country: str, subdivision: str | None) -> holidays.HolidayBase:
    problem = holiday_calendar_problem(country, subdivision)
    if problem is not None:
        raise ValueError(problem)
    # No ``years``: with the default ``expand=True`` the object computes each
    # year the first time a date in it is looked up, so any future date works.
    return holidays.country_holidays(country, subdiv=subdivision, language=_HOLIDAY_LANGUAGE)


def is_holiday(day: date, country: str, subdivision: str | None) -> bool:
    """Whether ``day`` is a public holiday in that country (and subdivision)."""
    # Canonicalise first so an alias and its code share one cached object.
    calendar = _holiday_calendar(country, canonical_subdivision(country, subdivision))
    with _HOLIDAY_LOOKUP_LOCK:
        return day in calendar


def next_business_day(after: date, calendar: WorkingCalendar) -> date:
    """First day strictly after ``after`` that is neither excluded nor a holiday."""
    if calendar.excluded_weekdays >= _ALL_WEEKDAYS:
        raise ValueError("the working calendar excludes every weekday")
    day = after
    for _ in range(_MAX_SEARCH_DAYS):
        try:
            day += timedelta(days=1)
        except OverflowError:
            raise ValueError(f"no business day after {after.isoformat()}") from None
        if day.weekday() in calendar.excluded_weekdays:
            continue
        if is_holiday(day, calendar.holiday_country, calendar.holiday_subdivision):
            continue
        return day
    raise ValueError(f"no business day within {_MAX_SEARCH_DAYS} days after {after.isoformat()}")


def timeline_start_at(
    import_at: datetime,
    mode: TimelineStartMode,
    calendar: WorkingCalendar,
    zone: ZoneInfo,
) -> datetime:
    """When the timeline of a debt imported at ``import_at`` starts, in ``zone``.

    ``IMMEDIATE`` keeps the import instant. ``NEXT_DAY`` starts at the
    calendar's start time on the next business day after the import's local
    date in ``zone``, with that day's UTC offset.
    """
    if import_at.tzinfo is None or import_at.utcoffset() is None:
        raise ValueError("import_at must be timezone-aware")
    local_import = import_at.astimezone(zone)
    if mode is TimelineStartMode.IMMEDIATE:
        return local_import
    start_day = next_business_day(local_import.date(), calendar)
    start = datetime.combine(start_day, calendar.start_time, tzinfo=zone)
    # A start time inside a spring-forward gap does not exist on the wall clock;
    # the round trip through UTC turns it into the real local time of that instant.
    return start.astimezone(UTC).astimezone(zone)
