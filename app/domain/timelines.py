"""A collection timeline as submitted, and its validation into a working calendar."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from app.domain import fields as rules
from app.domain.errors import FieldError, Problem, ValidationCode
from app.domain.scheduling import (
    WEEKDAY_NAMES,
    WorkingCalendar,
    canonical_subdivision,
    holiday_calendar_problem,
    parse_weekdays,
)

_CLOCK_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True, slots=True)
class TimelineInput:
    """A timeline as the caller sent it (GraphQL or the operator command)."""

    name: str | None
    excluded_weekdays: str = ""
    holiday_country: str | None = "FR"
    holiday_subdivision: str | None = None
    start_time: str | None = "09:00"
    active: bool = True


@dataclass(frozen=True, slots=True)
class ValidTimeline:
    name: str
    calendar: WorkingCalendar
    active: bool


def _clock_time(value: str) -> time | Problem:
    match = _CLOCK_TIME.fullmatch(value)
    if match is None:
        return Problem(ValidationCode.INVALID_VALUE, "must be a time of day written HH:MM")
    return time(int(match[1]), int(match[2]))


def validate_timeline(raw: TimelineInput) -> ValidTimeline | list[FieldError]:
    """Name, weekdays, holiday calendar and start time; every problem at once."""
    errors: list[FieldError] = []

    def refuse(field: str, problem: Problem) -> None:
        errors.append(FieldError(field, problem.code, problem.message))

    name = rules.clean_text(raw.name)
    if name is None:
        refuse("name", rules.REQUIRED)
    else:
        checked = rules.text(rules.NAME_MAX)(name)
        if isinstance(checked, Problem):
            refuse("name", checked)

    excluded = parse_weekdays(raw.excluded_weekdays)
    if excluded is None:
        refuse(
            "excludedWeekdays",
            Problem(ValidationCode.INVALID_VALUE, f"weekdays are {', '.join(WEEKDAY_NAMES)}"),
        )
    elif len(excluded) == 7:
        refuse(
            "excludedWeekdays",
            Problem(ValidationCode.INVALID_VALUE, "a timeline must leave at least one weekday"),
        )

    country = (rules.clean_text(raw.holiday_country) or "FR").upper()
    subdivision = rules.clean_text(raw.holiday_subdivision)
    calendar_problem = holiday_calendar_problem(country, subdivision)
    if calendar_problem is not None:
        field = (
            "holidaySubdivision"
            if subdivision and holiday_calendar_problem(country, None) is None
            else "holidayCountry"
        )
        refuse(field, Problem(ValidationCode.INVALID_VALUE, calendar_problem))

    start = _clock_time(rules.clean_text(raw.start_time) or "09:00")
    if isinstance(start, Problem):
        refuse("startTime", start)

    if errors or name is None or excluded is None or isinstance(start, Problem):
        return errors
    return ValidTimeline(
        name=name,
        calendar=WorkingCalendar(
            excluded_weekdays=excluded,
            holiday_country=country,
            holiday_subdivision=canonical_subdivision(country, subdivision),
            start_time=start,
        ),
        active=raw.active,
    )
