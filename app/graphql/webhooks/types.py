"""GraphQL types of webhooks, built from the service's records."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.domain import webhooks as domain
from app.graphql.common import ValidationError
from app.graphql.enums import mirror_enum
from app.graphql.pages import PageInfo
from app.services.pages import cursor_for
from app.services.webhooks import DeliveryPage, EndpointWithSecret
from app.storage.webhooks import DeliveryRecord, EndpointRecord

__all__ = ["WebhookDeliveryStatus", "WebhookEventType"]

if TYPE_CHECKING:
    from app.domain.webhooks import DeliveryStatus as WebhookDeliveryStatus
    from app.domain.webhooks import EventType as WebhookEventType
else:
    WebhookEventType = mirror_enum(
        domain.EventType,
        name="WebhookEventType",
        description="Kinds of webhook events; each description gives the payload's `type`.",
        values={
            "DEBT_CREATED": 'A debt was created ("debt.created").',
            "DEBT_UPDATED": 'A debt was changed ("debt.updated").',
            "DEBT_STATUS_CHANGED": 'A debt\'s status changed ("debt.status_changed").',
            "DEBT_ERASED": 'A debt\'s personal data was erased ("debt.erased").',
            "DEBT_IMPORT_COMPLETED": 'A createDebts batch was stored ("debt_import.completed").',
        },
    )
    WebhookDeliveryStatus = mirror_enum(
        domain.DeliveryStatus,
        name="WebhookDeliveryStatus",
        description="Where one event's delivery to one endpoint stands.",
        values={
            "PENDING": "Queued, not tried yet.",
            "SUCCEEDED": "The endpoint answered 2xx.",
            "RETRYING": "An attempt failed; another follows at nextAttemptAt.",
            "FAILED": "The last attempt of the retry schedule failed (or the endpoint was "
            "disabled).",
        },
    )


def to_domain_events(events: list[WebhookEventType]) -> list[domain.EventType]:
    return [domain.EventType[event.name] for event in events]


@strawberry.type(description="Where your events are POSTed, signed (Standard Webhooks).")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="Opaque identifier.")
    url: str = strawberry.field(description="Absolute http(s) URL events are POSTed to.")
    events: list[WebhookEventType] = strawberry.field(
        description="The event types this endpoint receives."
    )
    description: str | None = strawberry.field(description="Your note about the endpoint.")
    enabled: bool = strawberry.field(
        description="Whether events are delivered; false after 5 days of failures."
    )
    created_at: dt.datetime = strawberry.field(description="When the endpoint was created.")

    @classmethod
    def of(cls, record: EndpointRecord) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(record.public_id),
            url=record.url,
            events=[WebhookEventType[e.name] for e in domain.events_of(record.events)],
            description=record.description,
            enabled=record.enabled,
            created_at=record.created_at,
        )


@strawberry.type(description="An endpoint with its signing secret, shown only in this answer.")
class WebhookEndpointWithSecret:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint.")
    secret: str = strawberry.field(
        description="`whsec_` + base64 of 32 random bytes: verify signatures with it. "
        "Shown only here; never readable again."
    )

    @classmethod
    def of(cls, created: EndpointWithSecret) -> WebhookEndpointWithSecret:
        return cls(endpoint=WebhookEndpoint.of(created.endpoint), secret=created.secret)


@strawberry.type(description="No endpoint of yours has this id.")
class WebhookEndpointNotFound:
    message: str = strawberry.field(description="Says the endpoint was not found.")


ENDPOINT_NOT_FOUND = "webhook endpoint not found"


@strawberry.type(description="One event's delivery to one endpoint.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Opaque identifier of the delivery.")
    event_id: strawberry.ID = strawberry.field(
        description="The event's id: the `webhook-id` header of every attempt."
    )
    event_type: WebhookEventType = strawberry.field(description="The event's type.")
    status: WebhookDeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="Attempts made so far.")
    last_http_status: int | None = strawberry.field(
        description="HTTP status of the last answer; null without one (timeout, refused...)."
    )
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed; null after a success."
    )
    next_attempt_at: dt.datetime | None = strawberry.field(
        description="When the next attempt is due; null once succeeded or failed."
    )
    created_at: dt.datetime = strawberry.field(description="When the delivery was queued.")

    @classmethod
    def of(cls, record: DeliveryRecord) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(record.public_id),
            event_id=strawberry.ID(record.event_public_id),
            event_type=WebhookEventType[domain.EventType(record.event_type).name],
            status=WebhookDeliveryStatus[record.status],
            attempts=record.attempts,
            last_http_status=record.last_http_status,
            last_error=record.last_error,
            next_attempt_at=record.next_attempt_at,
            created_at=record.created_at,
        )


@strawberry.type(description="One delivery of a page, with the cursor that points at it.")
class WebhookDeliveryEdge:
    cursor: str = strawberry.field(description="Opaque; pass it as `after` for what follows.")
    node: WebhookDelivery = strawberry.field(description="The delivery.")


@strawberry.type(description="A page of an endpoint's deliveries, newest first.")
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge] = strawberry.field(description="This page's deliveries.")
    page_info: PageInfo = strawberry.field(description="How to fetch the next page.")

    @classmethod
    def of(cls, page: DeliveryPage) -> WebhookDeliveryConnection:
        edges = [
            WebhookDeliveryEdge(cursor=cursor_for(d.public_id), node=WebhookDelivery.of(d))
            for d in page.deliveries
        ]
        return cls(
            edges=edges, page_info=PageInfo.of(edges, page.has_next_page, page.has_previous_page)
        )


CreateWebhookEndpointResult = Annotated[
    WebhookEndpointWithSecret | ValidationError,
    strawberry.union(
        "CreateWebhookEndpointResult",
        description="The endpoint with its secret, or why it was refused (nothing written).",
    ),
]
UpdateWebhookEndpointResult = Annotated[
    WebhookEndpoint | ValidationError | WebhookEndpointNotFound,
    strawberry.union(
        "UpdateWebhookEndpointResult",
        description="The changed endpoint, or why nothing changed.",
    ),
]
RotateWebhookSecretResult = Annotated[
    WebhookEndpointWithSecret | WebhookEndpointNotFound,
    strawberry.union(
        "RotateWebhookSecretResult",
        description="The endpoint with its new secret, or that it was not found.",
    ),
]
