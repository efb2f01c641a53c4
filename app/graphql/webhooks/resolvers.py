"""Webhook queries and mutations: authorize, call the service, map its outcome."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain import webhooks as domain
from app.graphql.common import ValidationError
from app.graphql.context import Info
from app.graphql.errors import bad_argument
from app.graphql.permissions import authorize
from app.graphql.webhooks.types import (
    ENDPOINT_NOT_FOUND,
    CreateWebhookEndpointResult,
    RotateWebhookSecretResult,
    UpdateWebhookEndpointResult,
    WebhookDeliveryConnection,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEndpointNotFound,
    WebhookEndpointWithSecret,
    WebhookEventType,
    to_domain_events,
)
from app.services import webhooks
from app.services.debts import ValidationFailed
from app.services.pages import MAX_PAGE_SIZE, InvalidCursor, PageSizeOutOfRange
from app.services.tenants import Scope


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        description="Your webhook endpoints, oldest first (never their secrets). "
        "Requires scope webhooks:read."
    )
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        caller = await authorize(info, Scope.WEBHOOKS_READ)
        async with info.context.runtime.sessions() as session:
            found = await webhooks.list_endpoints(session, tenant=caller.tenant)
        return [WebhookEndpoint.of(record) for record in found]

    @strawberry.field(
        description="Deliveries of one of your endpoints, newest first; an empty page for an "
        "unknown or another company's endpoint. Requires scope webhooks:read."
    )
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint.")],
        status: Annotated[
            WebhookDeliveryStatus | None,
            strawberry.argument(description="Only deliveries in this state."),
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(description=f"Page size, 0 to {MAX_PAGE_SIZE}; null means 20."),
        ] = 20,
        after: Annotated[
            str | None,
            strawberry.argument(description="Cursor of the edge after which the page starts."),
        ] = None,
    ) -> WebhookDeliveryConnection:
        caller = await authorize(info, Scope.WEBHOOKS_READ)
        async with info.context.runtime.sessions() as session:
            outcome = await webhooks.list_deliveries(
                session,
                tenant=caller.tenant,
                endpoint_id=str(endpoint_id),
                status=domain.DeliveryStatus[status.name] if status else None,
                first=20 if first is None else first,
                after=after,
            )
        if isinstance(outcome, PageSizeOutOfRange):
            raise bad_argument(
                "first",
                f"first must be between 0 and {outcome.maximum}, got {outcome.first}",
                maximum=outcome.maximum,
            )
        if isinstance(outcome, InvalidCursor):
            raise bad_argument("after", "after is not a cursor of this endpoint's deliveries")
        return WebhookDeliveryConnection.of(outcome)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Register an endpoint for some event types (at most 20 per company). "
        "The answer holds its signing secret, shown only there. Requires scope webhooks:write."
    )
    async def create_webhook_endpoint(
        self,
        info: Info,
        url: Annotated[
            str,
            strawberry.argument(
                description="Absolute http(s) URL; in production https only, and never a "
                "loopback, private, link-local or multicast address."
            ),
        ],
        events: Annotated[
            list[WebhookEventType], strawberry.argument(description="At least one type.")
        ],
        description: Annotated[
            str | None, strawberry.argument(description="Your note, at most 255 characters.")
        ] = None,
    ) -> CreateWebhookEndpointResult:
        caller = await authorize(info, Scope.WEBHOOKS_WRITE)
        runtime = info.context.runtime
        async with runtime.sessions() as session:
            outcome = await webhooks.create_endpoint(
                session,
                tenant=caller.tenant,
                url=url,
                events=to_domain_events(events),
                description=description,
                policy=runtime.settings.webhook_policy,
                box=runtime.webhook_secrets,
                now=runtime.clock(),
            )
        if isinstance(outcome, ValidationFailed):
            return ValidationError.of(outcome.errors)
        runtime.webhook_subscriptions.forget(caller.tenant.id)
        return WebhookEndpointWithSecret.of(outcome)

    @strawberry.mutation(
        description="Change an endpoint's url, events, description or enabled; omitted "
        "arguments stay as they are. Requires scope webhooks:write."
    )
    async def update_webhook_endpoint(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint.")],
        url: Annotated[str | None, strawberry.argument(description="A new URL.")] = None,
        events: Annotated[
            list[WebhookEventType] | None,
            strawberry.argument(description="The new set of event types."),
        ] = None,
        description: Annotated[
            str | None, strawberry.argument(description="A new note; null clears it.")
        ] = strawberry.UNSET,
        enabled: Annotated[
            bool | None, strawberry.argument(description="Turn deliveries on or off.")
        ] = None,
    ) -> UpdateWebhookEndpointResult:
        caller = await authorize(info, Scope.WEBHOOKS_WRITE)
        runtime = info.context.runtime
        changes = {} if description is strawberry.UNSET else {"description": description}
        async with runtime.sessions() as session:
            outcome = await webhooks.update_endpoint(
                session,
                tenant=caller.tenant,
                public_id=str(id),
                url=url,
                events=None if events is None else to_domain_events(events),
                enabled=enabled,
                policy=runtime.settings.webhook_policy,
                **changes,
            )
        if outcome is None:
            return WebhookEndpointNotFound(message=ENDPOINT_NOT_FOUND)
        if isinstance(outcome, ValidationFailed):
            return ValidationError.of(outcome.errors)
        runtime.webhook_subscriptions.forget(caller.tenant.id)
        return WebhookEndpoint.of(outcome)

    @strawberry.mutation(
        description="Delete an endpoint and its deliveries; false for an unknown id. "
        "Requires scope webhooks:write."
    )
    async def delete_webhook_endpoint(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint.")],
    ) -> bool:
        caller = await authorize(info, Scope.WEBHOOKS_WRITE)
        runtime = info.context.runtime
        async with runtime.sessions() as session:
            deleted = await webhooks.delete_endpoint(
                session, tenant=caller.tenant, public_id=str(id)
            )
        runtime.webhook_subscriptions.forget(caller.tenant.id)
        return deleted

    @strawberry.mutation(
        description="A new signing secret, shown only in this answer; the old one keeps "
        "signing beside it for 24 hours. Requires scope webhooks:write."
    )
    async def rotate_webhook_secret(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint.")],
    ) -> RotateWebhookSecretResult:
        caller = await authorize(info, Scope.WEBHOOKS_WRITE)
        runtime = info.context.runtime
        async with runtime.sessions() as session:
            outcome = await webhooks.rotate_secret(
                session,
                tenant=caller.tenant,
                public_id=str(id),
                policy=runtime.settings.webhook_policy,
                box=runtime.webhook_secrets,
                now=runtime.clock(),
            )
        if outcome is None:
            return WebhookEndpointNotFound(message=ENDPOINT_NOT_FOUND)
        return WebhookEndpointWithSecret.of(outcome)

    @strawberry.mutation(
        description="Queue an event to one of your endpoints again (a new delivery); false "
        "when either is unknown. Requires scope webhooks:write."
    )
    async def redeliver_webhook_event(
        self,
        info: Info,
        event_id: Annotated[strawberry.ID, strawberry.argument(description="The event.")],
        endpoint_id: Annotated[strawberry.ID, strawberry.argument(description="The endpoint.")],
    ) -> bool:
        caller = await authorize(info, Scope.WEBHOOKS_WRITE)
        runtime = info.context.runtime
        async with runtime.sessions() as session:
            return await webhooks.redeliver(
                session,
                tenant=caller.tenant,
                event_id=str(event_id),
                endpoint_id=str(endpoint_id),
                now=runtime.clock(),
            )
