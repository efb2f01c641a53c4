"""createTimeline, timelines, and timelineId on createDebt (SPEC section 6), end to end."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.runtime import Runtime
from tests.utils.api import VALID_DEBT, Api, fetch_token
from tests.utils.clock import Clock
from tests.utils.factories import make_client
from tests.utils.timelines import (
    CREATE_TIMELINE,
    TIMELINES,
    create_timeline,
    list_timelines,
    timeline_id,
)

# --- createTimeline and timelines --------------------------------------------------------


@pytest.fixture(scope="module")
async def calendars_company(http: httpx.AsyncClient, runtime: Runtime) -> Api:
    """One company for the table-driven cases below (company setup is the slow part)."""
    return await Api.for_new_company(http, runtime)


@pytest.fixture(scope="module")
async def refusing_company(http: httpx.AsyncClient, runtime: Runtime) -> Api:
    """A company that is only ever sent invalid timelines: its list must stay empty."""
    return await Api.for_new_company(http, runtime)


async def test_create_timeline_returns_it_and_lists_it(api: Api, clock: Clock) -> None:
    clock.set(datetime(2025, 6, 13, 13, 0, tzinfo=UTC))
    created = await create_timeline(
        api,
        name="  Weekdays, Moselle  ",
        excludedWeekdays=["SUN", "SAT"],
        holidayCountry="fr",
        holidaySubdivision="Moselle",
        startTime="08:30",
    )

    assert created == {
        "__typename": "Timeline",
        "id": created["id"],
        "name": "Weekdays, Moselle",
        "excludedWeekdays": ["SAT", "SUN"],
        "holidayCalendar": {"country": "FR", "subdivision": "57"},  # the library's code
        "startTime": "08:30",
        "active": True,
        "createdAt": "2025-06-13T13:00:00+00:00",
    }
    assert created["id"].startswith("tl_")
    listed = await list_timelines(api)
    assert listed == [{k: v for k, v in created.items() if k != "__typename"}]


async def test_create_timeline_defaults(api: Api) -> None:
    created = await create_timeline(api, name="Defaults")

    assert created["excludedWeekdays"] == []
    assert created["holidayCalendar"] == {"country": "FR", "subdivision": None}
    assert created["startTime"] == "09:00"
    assert created["active"] is True


@pytest.mark.parametrize(
    ("country", "subdivision", "stored"),
    [
        ("FR", "6AE", "6AE"),
        ("FR", "Alsace", "6AE"),
        ("FR", "974", "974"),
        ("FR", "RE", "974"),
        ("DE", "BY", "BY"),
        ("BR", "São Paulo Capital", "São Paulo Capital"),  # the library's longest code
    ],
)
async def test_every_calendar_the_holidays_library_knows_is_accepted(
    calendars_company: Api, country: str, subdivision: str, stored: str
) -> None:
    api = calendars_company
    created = await create_timeline(api, holidayCountry=country, holidaySubdivision=subdivision)
    assert created["__typename"] == "Timeline", created
    assert created["holidayCalendar"] == {"country": country, "subdivision": stored}
    [listed] = [t for t in await list_timelines(api) if t["id"] == created["id"]]
    assert listed["holidayCalendar"] == {"country": country, "subdivision": stored}


ALL_DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
NAME_REQUIRED = ("name", "REQUIRED", "this field is required")
NOT_HH_MM = ("startTime", "INVALID_VALUE", "must be a time of day written HH:MM")
NO_WEEKDAY_LEFT = (
    "excludedWeekdays",
    "INVALID_VALUE",
    "a timeline must leave at least one weekday",
)


def invalid(field: str, message: str) -> tuple[str, str, str]:
    return (field, "INVALID_VALUE", message)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        pytest.param({"name": "   "}, [NAME_REQUIRED], id="blank-name"),
        pytest.param(
            {"name": "x" * 256}, [("name", "TOO_LONG", "must be at most 255 characters")],
            id="long-name",
        ),
        pytest.param({"excludedWeekdays": ALL_DAYS}, [NO_WEEKDAY_LEFT], id="all-seven-excluded"),
        pytest.param(
            {"holidayCountry": "XX"},
            [invalid("holidayCountry", 'unknown holiday calendar "XX"')],
            id="unknown-country",
        ),
        pytest.param(
            {"holidayCountry": "FRA"},
            [invalid("holidayCountry", 'unknown holiday calendar "FRA"')],
            id="alpha-3-country",
        ),
        pytest.param(
            {"holidaySubdivision": "99"},
            [invalid("holidaySubdivision", 'holiday calendar FR has no subdivision "99"; known: ')],
            id="unknown-subdivision",
        ),
        pytest.param(
            {"holidayCountry": "LU", "holidaySubdivision": "57"},
            [invalid("holidaySubdivision", 'holiday calendar LU has no subdivisions, so "57"')],
            id="subdivision-of-a-country-without-any",
        ),
        pytest.param({"startTime": "25:00"}, [NOT_HH_MM], id="hour-25"),
        pytest.param({"startTime": "9:00"}, [NOT_HH_MM], id="one-digit-hour"),
        pytest.param({"startTime": "09:00:00"}, [NOT_HH_MM], id="with-seconds"),
        pytest.param(
            {"name": "", "excludedWeekdays": ALL_DAYS, "holidayCountry": "ZZ", "startTime": "noon"},
            [
                NAME_REQUIRED,
                NO_WEEKDAY_LEFT,
                invalid("holidayCountry", 'unknown holiday calendar "ZZ"'),
                NOT_HH_MM,
            ],
            id="every-problem-at-once",
        ),
    ],
)  # fmt: skip
async def test_invalid_timelines_are_refused_and_nothing_is_written(
    refusing_company: Api, fields: dict[str, Any], errors: list[tuple[str, str, str]]
) -> None:
    api = refusing_company
    result = await create_timeline(api, **fields)

    assert result["__typename"] == "ValidationError", result
    assert result["message"] == "Validation failed"
    got = [(f["field"], f["code"], f["message"]) for f in result["fields"]]
    assert [g[:2] for g in got] == [e[:2] for e in errors]
    for (_, _, message), (_, _, expected) in zip(got, errors, strict=True):
        assert message.startswith(expected), message
    assert await list_timelines(api) == []


async def test_an_unknown_weekday_is_refused_by_the_schema(refusing_company: Api) -> None:
    api = refusing_company
    body = await api.gql(CREATE_TIMELINE, {"input": {"name": "T", "excludedWeekdays": ["FUNDAY"]}})

    assert "data" not in body
    [error] = body["errors"]
    assert "FUNDAY" in error["message"]
    assert "Weekday" in error["message"]
    assert await list_timelines(api) == []


async def test_six_excluded_days_leave_one_working_day(api: Api) -> None:
    created = await create_timeline(api, excludedWeekdays=ALL_DAYS[:6])
    assert created["__typename"] == "Timeline"
    assert created["excludedWeekdays"] == ALL_DAYS[:6]


async def test_timelines_list_only_the_callers_company(api: Api) -> None:
    other = await Api.for_new_company(api.http, api.runtime)
    mine = [await timeline_id(api, name="A1"), await timeline_id(api, name="A2", active=False)]
    theirs = await timeline_id(other, name="B1")

    assert [t["id"] for t in await list_timelines(api)] == mine
    assert [t["id"] for t in await list_timelines(other)] == [theirs]


PAGE = """
query Page($first: Int!, $after: String) {
  timelines(first: $first, after: $after) {
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def test_timelines_come_in_pages_oldest_first(api: Api) -> None:
    created = [await timeline_id(api, name=f"T{i}") for i in range(5)]
    seen: list[str] = []
    after = None
    pages = []
    while True:
        body = await api.gql(PAGE, {"first": 2, "after": after})
        page = body["data"]["timelines"]
        pages.append(len(page["edges"]))
        seen += [edge["node"]["id"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [2, 2, 1]
    assert seen == created


@pytest.mark.parametrize(
    ("first", "after", "argument"),
    [(101, None, "first"), (-1, None, "first"), (2, "not-a-cursor", "after")],
)
async def test_a_bad_page_request_is_a_bad_argument(
    api: Api, first: int, after: str | None, argument: str
) -> None:
    body = await api.gql(PAGE, {"first": first, "after": after})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["extensions"]["argument"] == argument


async def test_another_companys_cursor_is_no_cursor_here(api: Api) -> None:
    other = await Api.for_new_company(api.http, api.runtime)
    await timeline_id(other, name="Theirs")
    their_page = (await other.gql(PAGE, {"first": 1}))["data"]["timelines"]
    body = await api.gql(PAGE, {"first": 1, "after": their_page["pageInfo"]["endCursor"]})
    assert body["errors"][0]["extensions"]["argument"] == "after"


async def test_an_empty_page_has_no_cursors(api: Api) -> None:
    page = (await api.gql(PAGE, {"first": 0}))["data"]["timelines"]
    assert page == {
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }


async def test_timeline_ids_are_opaque_and_unrelated(api: Api) -> None:
    first, second = await timeline_id(api), await timeline_id(api)
    for identifier in (first, second):
        random_part = identifier.removeprefix("tl_")
        assert len(random_part) >= 22  # 128 random bits, url-safe base64
        assert not random_part.isdigit()
    assert first != second
    assert first[3:8] != second[3:8]  # not a counter: no shared prefix beyond the kind


# --- scopes --------------------------------------------------------------------------------


async def token_with(api: Api, *scopes: str) -> str:
    client = await make_client(api.runtime, api.company_id, scopes)
    return await fetch_token(api.http, client.client_id, client.client_secret)


def graphql_error(body: dict[str, Any]) -> tuple[str, str]:
    assert body["data"] is None, body
    [error] = body["errors"]
    return error["extensions"]["code"], error["message"]


async def test_create_timeline_needs_timelines_write(api: Api) -> None:
    for scopes in [("debts:read", "debts:write"), ("timelines:read",)]:
        token = await token_with(api, *scopes)
        body = await api.gql(CREATE_TIMELINE, {"input": {"name": "T"}}, token=token)
        assert graphql_error(body) == (
            "FORBIDDEN",
            'Required scope "timelines:write" not found in token',
        )
    body = await api.gql(CREATE_TIMELINE, {"input": {"name": "T"}}, token=None)
    assert graphql_error(body) == (
        "UNAUTHENTICATED",
        "Authentication credentials are missing or invalid",
    )
    assert await list_timelines(api) == []

    writer = await token_with(api, "timelines:write")
    body = await api.gql(CREATE_TIMELINE, {"input": {"name": "T"}}, token=writer)
    assert body["data"]["createTimeline"]["__typename"] == "Timeline"


async def test_timelines_needs_timelines_read(api: Api) -> None:
    await timeline_id(api)
    for scopes in [("debts:read", "debts:write"), ("timelines:write",)]:
        token = await token_with(api, *scopes)
        body = await api.gql(TIMELINES, token=token)
        assert graphql_error(body) == (
            "FORBIDDEN",
            'Required scope "timelines:read" not found in token',
        )
    body = await api.gql(TIMELINES, token=None)
    assert graphql_error(body)[0] == "UNAUTHENTICATED"

    reader = await token_with(api, "timelines:read")
    body = await api.gql(TIMELINES, token=reader)
    assert len(body["data"]["timelines"]["edges"]) == 1


# --- timelineId on createDebt ----------------------------------------------------------------


def without_own_identity(debt: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in debt.items() if k not in ("id", "importDate")}


MALFORMED_IDS = [
    "not-a-timeline",
    "1",
    "tl_",
    "tl_" + "x" * 10_000,
    "tl_\x00abc",
    "tl_é😀",
    "' OR 1=1 --",
]


async def test_malformed_unknown_inactive_and_foreign_ids_are_ignored_alike(
    api: Api, clock: Clock
) -> None:
    other = await Api.for_new_company(api.http, api.runtime)  # its token from real time
    clock.set(datetime(2025, 6, 13, 13, 0, tzinfo=UTC))
    ids = {
        "unknown": "tl_" + secrets.token_urlsafe(16),
        "inactive": await timeline_id(api, active=False),
        "foreign": await timeline_id(other),
        **{f"malformed {i}": malformed for i, malformed in enumerate(MALFORMED_IDS)},
    }
    valid = await timeline_id(api, excludedWeekdays=["SAT", "SUN"])
    debt = {**VALID_DEBT, "timelineStartMode": "NEXT_DAY"}

    plain = await api.create_debt(VALID_DEBT)
    assert (plain["timelineId"], plain["timelineStartMode"], plain["timelineStartAt"]) == (
        None,
        None,
        None,
    )
    for case, identifier in ids.items():
        ignored = await api.create_debt({**debt, "timelineId": identifier})
        assert without_own_identity(ignored) == without_own_identity(plain), case
        read = await api.debt(ignored["id"])
        assert read is not None
        assert (read["timelineId"], read["timelineStartAt"]) == (None, None), case

    # The control: the same request with a usable id does get the timeline.
    used = await api.create_debt({**debt, "timelineId": valid})
    assert (used["timelineId"], used["timelineStartMode"]) == (valid, "NEXT_DAY")
    assert used["timelineStartAt"] == "2025-06-16T09:00:00+02:00"
    assert await api.debt_count() == len(ids) + 2
    # The foreign company's timeline stays usable by its owner.
    theirs = await other.create_debt({**VALID_DEBT, "timelineId": ids["foreign"]})
    assert theirs["timelineId"] == ids["foreign"]


async def test_blank_timeline_id_counts_as_not_given(api: Api) -> None:
    created = await api.create_debt({**VALID_DEBT, "timelineId": "   "})
    assert created["__typename"] == "Debt"
    assert created["timelineId"] is None
