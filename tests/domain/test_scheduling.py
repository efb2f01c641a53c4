"""Tests for working-day calendars and timeline start computation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain import scheduling
from app.domain.scheduling import (
    WEEKDAY_NAMES,
    TimelineStartMode,
    WorkingCalendar,
    canonical_subdivision,
    format_weekdays,
    holiday_calendar_problem,
    is_holiday,
    next_business_day,
    parse_weekdays,
    timeline_start_at,
)

PARIS = ZoneInfo("Europe/Paris")
MARTINIQUE = ZoneInfo("America/Martinique")
REUNION = ZoneInfo("Indian/Reunion")

NONE_EXCLUDED: frozenset[int] = frozenset()
WEEKEND: frozenset[int] = frozenset({5, 6})


def _calendar(
    excluded: frozenset[int] = WEEKEND,
    subdivision: str | None = None,
    country: str = "FR",
    start_time: time = time(9, 0),
) -> WorkingCalendar:
    return WorkingCalendar(
        excluded_weekdays=excluded,
        holiday_country=country,
        holiday_subdivision=subdivision,
        start_time=start_time,
    )


# --- weekday names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("sat,sun", frozenset({5, 6}), id="short-names"),
        pytest.param("Sat, SUN", frozenset({5, 6}), id="mixed-case-and-spaces"),
        pytest.param("saturday,Sunday", frozenset({5, 6}), id="full-names"),
        pytest.param("sun,sat,sun", frozenset({5, 6}), id="duplicates-and-order"),
        pytest.param("mon", frozenset({0}), id="single-day"),
        pytest.param("", frozenset(), id="empty"),
        pytest.param("  ", frozenset(), id="blank"),
        pytest.param(",".join(WEEKDAY_NAMES), frozenset(range(7)), id="every-day"),
    ],
)
def test_parse_weekdays_accepts(text: str, expected: frozenset[int]) -> None:
    assert parse_weekdays(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("sat,sunday-ish", id="unknown-item"),
        pytest.param("samedi", id="french-name"),
        pytest.param("sa", id="too-short"),
        pytest.param("6", id="number"),
        pytest.param("sat;sun", id="wrong-separator"),
    ],
)
def test_parse_weekdays_rejects_unknown_names(text: str) -> None:
    assert parse_weekdays(text) is None


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        pytest.param(frozenset({6, 5}), "sat,sun", id="weekend"),
        pytest.param(frozenset({4, 0, 2}), "mon,wed,fri", id="weekday-order"),
        pytest.param(frozenset(), "", id="empty"),
        pytest.param(frozenset(range(7)), "mon,tue,wed,thu,fri,sat,sun", id="every-day"),
    ],
)
def test_format_weekdays(days: frozenset[int], expected: str) -> None:
    assert format_weekdays(days) == expected
    assert parse_weekdays(expected) == days


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Sun, Saturday", id="mixed-forms"),
        pytest.param("FRI,mon", id="unordered"),
        pytest.param("", id="empty"),
    ],
)
def test_parse_format_round_trip_is_canonical(text: str) -> None:
    days = parse_weekdays(text)
    assert days is not None
    canonical = format_weekdays(days)
    assert parse_weekdays(canonical) == days
    assert format_weekdays(parse_weekdays(canonical) or frozenset()) == canonical


def test_format_weekdays_rejects_out_of_range_numbers() -> None:
    with pytest.raises(ValueError, match="0-6"):
        format_weekdays(frozenset({7}))


# --- holiday calendars -----------------------------------------------------


@pytest.mark.parametrize(
    ("country", "subdivision"),
    [
        pytest.param("FR", None, id="france"),
        pytest.param("FR", "57", id="moselle-code"),
        pytest.param("FR", "6AE", id="alsace-code"),
        pytest.param("FR", "974", id="reunion-code"),
        pytest.param("FR", "RE", id="reunion-alias"),
        pytest.param("FR", "Alsace", id="alsace-alias"),
        pytest.param("FR", "Moselle", id="moselle-alias"),
        pytest.param("DE", "BY", id="other-country-subdivision"),
        pytest.param("BE", None, id="other-country"),
    ],
)
def test_holiday_calendar_problem_accepts(country: str, subdivision: str | None) -> None:
    assert holiday_calendar_problem(country, subdivision) is None


@pytest.mark.parametrize(
    ("country", "subdivision", "fragments"),
    [
        pytest.param("XX", None, ['unknown holiday calendar "XX"'], id="unknown-country"),
        pytest.param("fr", None, ['unknown holiday calendar "fr"'], id="lowercase-country"),
        pytest.param("FRA", None, ['unknown holiday calendar "FRA"'], id="alpha3-country"),
        pytest.param(
            "FR",
            "99",
            ['holiday calendar FR has no subdivision "99"', "57", "6AE", "974", "RE"],
            id="unknown-subdivision-lists-known",
        ),
        pytest.param(
            "FR",
            "alsace",
            ['no subdivision "alsace"'],
            id="alias-is-case-sensitive",
        ),
        pytest.param(
            "FR",
            "Alsace-Moselle",
            ['no subdivision "Alsace-Moselle"'],
            id="deprecated-subdivision",
        ),
        pytest.param("XX", "57", ['unknown holiday calendar "XX"'], id="country-checked-first"),
    ],
)
def test_holiday_calendar_problem_rejects(
    country: str, subdivision: str | None, fragments: list[str]
) -> None:
    problem = holiday_calendar_problem(country, subdivision)
    assert problem is not None
    for fragment in fragments:
        assert fragment in problem


@pytest.mark.parametrize(
    ("country", "subdivision", "expected"),
    [
        pytest.param("FR", "RE", "974", id="reunion"),
        pytest.param("FR", "GP", "971", id="guadeloupe"),
        pytest.param("FR", "Alsace", "6AE", id="alsace"),
        pytest.param("FR", "Moselle", "57", id="moselle"),
        pytest.param("FR", "57", "57", id="already-canonical"),
        pytest.param("FR", None, None, id="no-subdivision"),
        pytest.param("FR", "99", "99", id="unknown-kept"),
        pytest.param("XX", "RE", "RE", id="unknown-country-kept"),
    ],
)
def test_canonical_subdivision(country: str, subdivision: str | None, expected: str | None) -> None:
    assert canonical_subdivision(country, subdivision) == expected


@pytest.mark.parametrize(
    ("day", "subdivision", "expected"),
    [
        pytest.param(date(2025, 5, 1), None, True, id="labour-day"),
        pytest.param(date(2025, 4, 21), None, True, id="easter-monday"),
        pytest.param(date(2025, 4, 18), None, False, id="good-friday-mainland"),
        pytest.param(date(2025, 4, 18), "57", True, id="good-friday-moselle"),
        pytest.param(date(2025, 12, 26), "6AE", True, id="st-stephen-alsace"),
        pytest.param(date(2025, 12, 26), "Moselle", True, id="st-stephen-moselle-alias"),
        pytest.param(date(2025, 12, 26), None, False, id="st-stephen-mainland"),
        pytest.param(date(2025, 12, 20), "974", True, id="slavery-abolition-reunion"),
        pytest.param(date(2025, 12, 20), "RE", True, id="slavery-abolition-reunion-alias"),
        pytest.param(date(2025, 12, 20), None, False, id="slavery-abolition-mainland"),
        pytest.param(date(2031, 7, 14), None, True, id="lazy-year-2031"),
        pytest.param(date(2031, 7, 15), None, False, id="lazy-year-2031-workday"),
    ],
)
def test_is_holiday_france(day: date, subdivision: str | None, expected: bool) -> None:
    assert is_holiday(day, "FR", subdivision) is expected


def test_is_holiday_rejects_unknown_calendar() -> None:
    with pytest.raises(ValueError, match='no subdivision "99"'):
        is_holiday(date(2025, 1, 1), "FR", "99")


# --- next business day -----------------------------------------------------


@pytest.mark.parametrize(
    ("after", "excluded", "subdivision", "expected"),
    [
        pytest.param(date(2025, 3, 5), WEEKEND, None, date(2025, 3, 6), id="plain-weekday"),
        pytest.param(date(2025, 3, 7), WEEKEND, None, date(2025, 3, 10), id="friday-over-weekend"),
        pytest.param(
            date(2025, 3, 8),
            WEEKEND,
            None,
            date(2025, 3, 10),
            id="saturday-over-sunday",
        ),
        pytest.param(
            date(2025, 3, 7),
            NONE_EXCLUDED,
            None,
            date(2025, 3, 8),
            id="friday-no-exclusions",
        ),
        pytest.param(
            date(2025, 4, 18),
            WEEKEND,
            None,
            date(2025, 4, 22),
            id="good-friday-to-tuesday",
        ),
        pytest.param(date(2025, 12, 31), WEEKEND, None, date(2026, 1, 2), id="new-year"),
        pytest.param(
            date(2025, 12, 31),
            NONE_EXCLUDED,
            None,
            date(2026, 1, 2),
            id="new-year-no-exclusions",
        ),
        pytest.param(date(2025, 4, 30), WEEKEND, None, date(2025, 5, 2), id="labour-day"),
        pytest.param(
            date(2025, 4, 17),
            NONE_EXCLUDED,
            None,
            date(2025, 4, 18),
            id="good-friday-mainland",
        ),
        pytest.param(
            date(2025, 4, 17),
            NONE_EXCLUDED,
            "57",
            date(2025, 4, 19),
            id="good-friday-moselle",
        ),
        pytest.param(
            date(2025, 4, 17),
            NONE_EXCLUDED,
            "6AE",
            date(2025, 4, 19),
            id="good-friday-alsace",
        ),
        pytest.param(
            date(2025, 4, 17),
            WEEKEND,
            "57",
            date(2025, 4, 22),
            id="good-friday-moselle-weekend",
        ),
        pytest.param(
            date(2025, 12, 25),
            NONE_EXCLUDED,
            None,
            date(2025, 12, 26),
            id="christmas-mainland",
        ),
        pytest.param(
            date(2025, 12, 25),
            NONE_EXCLUDED,
            "57",
            date(2025, 12, 27),
            id="christmas-moselle",
        ),
        pytest.param(
            date(2025, 12, 25),
            NONE_EXCLUDED,
            "Alsace",
            date(2025, 12, 27),
            id="christmas-alsace",
        ),
        pytest.param(
            date(2025, 12, 19),
            NONE_EXCLUDED,
            None,
            date(2025, 12, 20),
            id="dec-20-mainland",
        ),
        pytest.param(
            date(2025, 12, 19),
            NONE_EXCLUDED,
            "974",
            date(2025, 12, 21),
            id="dec-20-reunion",
        ),
        pytest.param(
            date(2025, 12, 19),
            NONE_EXCLUDED,
            "RE",
            date(2025, 12, 21),
            id="dec-20-reunion-alias",
        ),
        pytest.param(
            date(2025, 12, 19),
            WEEKEND,
            "974",
            date(2025, 12, 22),
            id="dec-20-reunion-weekend",
        ),
        pytest.param(
            date(2026, 4, 30),
            frozenset(range(6)),
            None,
            date(2026, 5, 3),
            id="only-sundays-worked",
        ),
    ],
)
def test_next_business_day(
    after: date, excluded: frozenset[int], subdivision: str | None, expected: date
) -> None:
    assert next_business_day(after, _calendar(excluded, subdivision)) == expected


def test_next_business_day_rejects_calendar_without_working_days() -> None:
    with pytest.raises(ValueError, match="every weekday"):
        next_business_day(date(2025, 3, 7), _calendar(frozenset(range(7))))


def test_next_business_day_search_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduling, "is_holiday", lambda *_: True)
    with pytest.raises(ValueError, match="no business day within"):
        next_business_day(date(2025, 3, 7), _calendar(NONE_EXCLUDED))


# --- timeline start --------------------------------------------------------


@pytest.mark.parametrize(
    ("import_at", "excluded", "zone", "expected"),
    [
        pytest.param(
            datetime(2025, 3, 7, 15, 0, tzinfo=PARIS),
            WEEKEND,
            PARIS,
            datetime(2025, 3, 10, 9, 0, tzinfo=PARIS),
            id="friday-to-monday",
        ),
        pytest.param(
            datetime(2025, 1, 12, 22, 30, tzinfo=UTC),
            NONE_EXCLUDED,
            PARIS,
            datetime(2025, 1, 13, 9, 0, tzinfo=PARIS),
            id="paris-sunday-2330-given-in-utc",
        ),
        pytest.param(
            # 00:30 Monday in Paris is still Sunday in UTC: the local Monday
            # counts, so the start is Tuesday rather than Monday.
            datetime(2025, 1, 12, 23, 30, tzinfo=UTC),
            NONE_EXCLUDED,
            PARIS,
            datetime(2025, 1, 14, 9, 0, tzinfo=PARIS),
            id="paris-monday-0030-is-sunday-in-utc",
        ),
        pytest.param(
            datetime(2025, 1, 12, 23, 30, tzinfo=MARTINIQUE),
            NONE_EXCLUDED,
            MARTINIQUE,
            datetime(2025, 1, 13, 9, 0, tzinfo=MARTINIQUE),
            id="martinique-sunday-2330-is-monday-in-utc",
        ),
        pytest.param(
            datetime(2025, 1, 12, 23, 30, tzinfo=MARTINIQUE),
            WEEKEND,
            MARTINIQUE,
            datetime(2025, 1, 13, 9, 0, tzinfo=MARTINIQUE),
            id="martinique-sunday-2330-weekend-excluded",
        ),
        pytest.param(
            datetime(2025, 1, 12, 21, 30, tzinfo=UTC),
            NONE_EXCLUDED,
            REUNION,
            datetime(2025, 1, 14, 9, 0, tzinfo=REUNION),
            id="reunion-utc-sunday-is-local-monday",
        ),
    ],
)
def test_next_day_uses_local_import_date(
    import_at: datetime, excluded: frozenset[int], zone: ZoneInfo, expected: datetime
) -> None:
    start = timeline_start_at(import_at, TimelineStartMode.NEXT_DAY, _calendar(excluded), zone)
    assert start == expected
    assert start.tzinfo is zone
    assert (start.date(), start.time()) == (expected.date(), expected.time())


@pytest.mark.parametrize(
    ("import_at", "start_time", "expected_day", "expected_time", "expected_offset"),
    [
        pytest.param(
            datetime(2025, 3, 29, 15, 0, tzinfo=PARIS),
            time(9, 0),
            date(2025, 3, 30),
            time(9, 0),
            timedelta(hours=2),
            id="spring-forward-day",
        ),
        pytest.param(
            datetime(2025, 10, 25, 15, 0, tzinfo=PARIS),
            time(9, 0),
            date(2025, 10, 26),
            time(9, 0),
            timedelta(hours=1),
            id="fall-back-day",
        ),
        pytest.param(
            datetime(2025, 1, 15, 15, 0, tzinfo=PARIS),
            time(9, 0),
            date(2025, 1, 16),
            time(9, 0),
            timedelta(hours=1),
            id="winter",
        ),
        pytest.param(
            datetime(2025, 7, 15, 15, 0, tzinfo=PARIS),
            time(9, 0),
            date(2025, 7, 16),
            time(9, 0),
            timedelta(hours=2),
            id="summer",
        ),
        pytest.param(
            # 02:30 does not exist on 30 March 2025 in Paris; the start is
            # reported as the real wall-clock time of that instant.
            datetime(2025, 3, 29, 15, 0, tzinfo=PARIS),
            time(2, 30),
            date(2025, 3, 30),
            time(3, 30),
            timedelta(hours=2),
            id="start-time-in-spring-gap",
        ),
        pytest.param(
            # 02:30 happens twice on 26 October 2025; the first (summer time) is used.
            datetime(2025, 10, 25, 15, 0, tzinfo=PARIS),
            time(2, 30),
            date(2025, 10, 26),
            time(2, 30),
            timedelta(hours=2),
            id="start-time-in-autumn-overlap",
        ),
    ],
)
def test_next_day_follows_daylight_saving(
    import_at: datetime,
    start_time: time,
    expected_day: date,
    expected_time: time,
    expected_offset: timedelta,
) -> None:
    calendar = _calendar(NONE_EXCLUDED, start_time=start_time)
    start = timeline_start_at(import_at, TimelineStartMode.NEXT_DAY, calendar, PARIS)
    assert (start.date(), start.time()) == (expected_day, expected_time)
    assert start.utcoffset() == expected_offset


@pytest.mark.parametrize(
    ("import_at", "zone"),
    [
        pytest.param(datetime(2025, 3, 7, 15, 0, tzinfo=PARIS), PARIS, id="same-zone"),
        pytest.param(datetime(2025, 1, 12, 23, 30, tzinfo=UTC), PARIS, id="from-utc"),
        pytest.param(datetime(2025, 5, 1, 10, 0, tzinfo=PARIS), PARIS, id="holiday-ignored"),
        pytest.param(
            datetime(2025, 3, 8, 10, 0, tzinfo=PARIS),
            MARTINIQUE,
            id="other-zone-weekend",
        ),
    ],
)
def test_immediate_keeps_the_import_instant(import_at: datetime, zone: ZoneInfo) -> None:
    start = timeline_start_at(import_at, TimelineStartMode.IMMEDIATE, _calendar(), zone)
    assert start == import_at
    assert start.tzinfo is zone


@pytest.mark.parametrize("mode", list(TimelineStartMode), ids=lambda mode: mode.value)
def test_timeline_start_rejects_naive_import(mode: TimelineStartMode) -> None:
    naive = datetime(2025, 3, 7, 15, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        timeline_start_at(naive, mode, _calendar(), PARIS)


def test_timeline_start_mode_values() -> None:
    assert {mode.value for mode in TimelineStartMode} == {"IMMEDIATE", "NEXT_DAY"}
