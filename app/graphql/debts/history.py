"""GraphQL shapes of a debt's history: its events and their field changes."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import strawberry
from strawberry.scalars import JSON

from app.graphql.enums import DebtEventType
from app.graphql.pages import PageInfo
from app.services.debt_history import EventPage, event_cursor
from app.storage.debt_events import EventRecord


@strawberry.type(description="One field an event changed.")
class FieldChange:
    field: str = strawberry.field(description='Input field name, camelCase, e.g. "dueDate".')
    from_: JSON | None = strawberry.field(
        name="from",
        description="The value before; null for personal fields, whose values are never shown.",
    )
    to: JSON | None = strawberry.field(
        description="The value after; null for personal fields, whose values are never shown."
    )

    @classmethod
    def of(cls, change: dict[str, Any]) -> FieldChange:
        return cls(field=change["field"], from_=change["from"], to=change["to"])


@strawberry.type(description="One change of a debt, recorded in the same transaction.")
class DebtEvent:
    id: strawberry.ID = strawberry.field(description="Opaque identifier of the event.")
    type: DebtEventType = strawberry.field(description="What kind of change it was.")
    at: dt.datetime = strawberry.field(description="When, with the company's offset.")
    actor: str = strawberry.field(
        description='Who: the API client id of the token, or "operator" for the operator command.'
    )
    version: int = strawberry.field(description="The debt's version after the change.")
    reason: str | None = strawberry.field(
        description="The reason given with a status change; null otherwise."
    )
    changes: list[FieldChange] = strawberry.field(
        description="Each changed field; empty for CREATED."
    )

    @classmethod
    def of(cls, event: EventRecord, zone: ZoneInfo) -> DebtEvent:
        return cls(
            id=strawberry.ID(event.public_id),
            type=DebtEventType[event.type],
            at=event.at.astimezone(zone),
            actor=event.actor,
            version=event.version,
            reason=event.reason,
            changes=[FieldChange.of(change) for change in event.changes],
        )


@strawberry.type(description="One event of a page, with the cursor that points at it.")
class DebtEventEdge:
    cursor: str = strawberry.field(
        description="Opaque; pass it as `after` to list the older events."
    )
    node: DebtEvent = strawberry.field(description="The event.")


@strawberry.type(description="A page of a debt's events, newest first.")
class DebtEventConnection:
    edges: list[DebtEventEdge] = strawberry.field(description="The events of this page, in order.")
    page_info: PageInfo = strawberry.field(description="How to fetch the next page.")

    @classmethod
    def of(cls, page: EventPage, zone: ZoneInfo) -> DebtEventConnection:
        edges = [
            DebtEventEdge(cursor=event_cursor(event), node=DebtEvent.of(event, zone))
            for event in page.events
        ]
        return cls(
            edges=edges, page_info=PageInfo.of(edges, page.has_next_page, page.has_previous_page)
        )
