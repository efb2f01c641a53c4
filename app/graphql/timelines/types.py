"""GraphQL types and input of timelines."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import strawberry

from app.domain.scheduling import WEEKDAY_NAMES
from app.domain.timelines import TimelineInput
from app.graphql.common import ValidationError
from app.graphql.pages import PageInfo
from app.services.pages import cursor_for
from app.services.timelines import TimelinePage, TimelineView


@strawberry.enum(description="A day of the week.")
class Weekday(enum.Enum):
    MON = strawberry.enum_value("mon", description="Monday.")
    TUE = strawberry.enum_value("tue", description="Tuesday.")
    WED = strawberry.enum_value("wed", description="Wednesday.")
    THU = strawberry.enum_value("thu", description="Thursday.")
    FRI = strawberry.enum_value("fri", description="Friday.")
    SAT = strawberry.enum_value("sat", description="Saturday.")
    SUN = strawberry.enum_value("sun", description="Sunday.")


@strawberry.type(description="A public-holiday calendar of the holidays library.")
class HolidayCalendar:
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country, e.g. FR.")
    subdivision: str | None = strawberry.field(
        description='Subdivision code, e.g. "57" (Moselle), "974" (Réunion); null: national.'
    )


@strawberry.type(description="A company's collection schedule.")
class Timeline:
    id: strawberry.ID = strawberry.field(description="Opaque identifier, usable as timelineId.")
    name: str = strawberry.field(description="Name of the timeline.")
    excluded_weekdays: list[Weekday] = strawberry.field(
        description="Weekdays on which collection never starts."
    )
    holiday_calendar: HolidayCalendar = strawberry.field(
        description="Public holidays on which collection never starts."
    )
    start_time: str = strawberry.field(description='Daily start time, "HH:MM", local time.')
    active: bool = strawberry.field(description="Inactive timelines are ignored by createDebt.")
    created_at: dt.datetime = strawberry.field(description="When the timeline was created.")

    @classmethod
    def of(cls, view: TimelineView) -> Timeline:
        return cls(
            id=strawberry.ID(view.id),
            name=view.name,
            excluded_weekdays=[
                Weekday(WEEKDAY_NAMES[day]) for day in sorted(view.excluded_weekdays)
            ],
            holiday_calendar=HolidayCalendar(
                country=view.holiday_country, subdivision=view.holiday_subdivision
            ),
            start_time=view.start_time.strftime("%H:%M"),
            active=view.active,
            created_at=view.created_at,
        )


@strawberry.input(description="A timeline to create.")
class CreateTimelineInput:
    name: str = strawberry.field(description="Required, at most 255 characters.")
    excluded_weekdays: list[Weekday] = strawberry.field(
        default_factory=list, description="Weekdays to skip; at least one weekday must remain."
    )
    holiday_country: str = strawberry.field(
        default="FR", description="Country of the public-holiday calendar."
    )
    holiday_subdivision: str | None = strawberry.field(
        default=None, description='Subdivision of that calendar, e.g. "57", "6AE", "974".'
    )
    start_time: str = strawberry.field(default="09:00", description='Daily start, "HH:MM".')
    active: bool = strawberry.field(default=True, description="Whether createDebt may use it.")

    def to_domain(self) -> TimelineInput:
        return TimelineInput(
            name=self.name,
            excluded_weekdays=",".join(day.name.lower() for day in self.excluded_weekdays),
            holiday_country=self.holiday_country,
            holiday_subdivision=self.holiday_subdivision,
            start_time=self.start_time,
            active=self.active,
        )


CreateTimelineResult = Annotated[
    Timeline | ValidationError,
    strawberry.union("CreateTimelineResult", description="The new Timeline, or why not."),
]


@strawberry.type(description="One timeline of a page, with the cursor that points at it.")
class TimelineEdge:
    cursor: str = strawberry.field(
        description="Opaque; pass it as `after` to list the timelines that follow this one."
    )
    node: Timeline = strawberry.field(description="The timeline.")


@strawberry.type(description="A page of your timelines, oldest first (Relay cursor connection).")
class TimelineConnection:
    edges: list[TimelineEdge] = strawberry.field(
        description="The timelines of this page, in order."
    )
    page_info: PageInfo = strawberry.field(description="How to fetch the next page.")

    @classmethod
    def of(cls, page: TimelinePage) -> TimelineConnection:
        edges = [
            TimelineEdge(cursor=cursor_for(view.id), node=Timeline.of(view))
            for view in page.timelines
        ]
        return cls(
            edges=edges, page_info=PageInfo.of(edges, page.has_next_page, page.has_previous_page)
        )
