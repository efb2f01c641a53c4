"""Webhook endpoints of a company (SPEC section 12): saving, rotating, listing deliveries.

Every lookup is scoped to the caller's company: another company's endpoint or event is as
absent as an unknown one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain import fields as rules
from app.domain import webhooks as domain
from app.domain.errors import FieldError, ValidationCode
from app.domain.webhooks import DeliveryStatus, EventType, WebhookPolicy
from app.services.debts import ValidationFailed
from app.services.pages import MAX_PAGE_SIZE, InvalidCursor, PageSizeOutOfRange, public_id_of
from app.services.tenants import Tenant
from app.services.webhook_secrets import SecretBox
from app.storage import webhooks as store
from app.storage.db import UnitOfWork, connection_of
from app.storage.webhooks import DeliveryRecord, EndpointRecord


@dataclass(frozen=True, slots=True)
class EndpointWithSecret:
    endpoint: EndpointRecord
    secret: str  # in clear: only in this answer


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    deliveries: list[DeliveryRecord]
    has_next_page: bool
    has_previous_page: bool


_UNSET: Any = object()


async def resolve_host(host: str) -> list[domain.IpAddress]:
    """The addresses a host name (or literal) stands for; empty when it resolves to none."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def address_problem(url: str, policy: WebhookPolicy) -> str | None:
    """Why production refuses to call this URL's host (it resolves to no address, or to a
    loopback, private, link-local or multicast one outside the allow-list); None if it may.
    Outside production every address is allowed, so that a local receiver works."""
    if not policy.production:
        return None
    addresses = await resolve_host(domain.host_of(url))
    if not addresses:
        return "the host does not resolve"
    if any(domain.refused_address(a, policy.allowed_networks) for a in addresses):
        return "the host resolves to a loopback, private, link-local or multicast address"
    return None


async def _url_errors(url: str, policy: WebhookPolicy) -> list[FieldError]:
    error = domain.url_error(url, production=policy.production)
    if error is not None:
        return [error]
    problem = await address_problem(url, policy)
    return [] if problem is None else [FieldError("url", ValidationCode.INVALID_URL, problem)]


def _events_errors(events: Sequence[EventType]) -> list[FieldError]:
    if not events:
        return [FieldError("events", ValidationCode.REQUIRED, "subscribe to at least one event")]
    return []


def _description(value: str | None) -> str | FieldError | None:
    cleaned = rules.clean_text(value)
    if cleaned is None:
        return None
    checked = rules.text(domain.DESCRIPTION_MAX)(cleaned)
    if isinstance(checked, str):
        return checked
    return FieldError("description", checked.code, checked.message)


async def create_endpoint(
    work: UnitOfWork,
    *,
    tenant: Tenant,
    url: str,
    events: Sequence[EventType],
    description: str | None,
    policy: WebhookPolicy,
    box: SecretBox,
    now: datetime,
) -> EndpointWithSecret | ValidationFailed:
    url = url.strip()
    errors = await _url_errors(url, policy)
    errors += _events_errors(events)
    cleaned = _description(description)
    if isinstance(cleaned, FieldError):
        errors.append(cleaned)
    connection = await connection_of(work)
    if not errors and await store.count_endpoints(connection, tenant.id) >= (
        domain.MAX_ENDPOINTS_PER_COMPANY
    ):
        errors.append(
            FieldError(
                "url",
                ValidationCode.LIMIT_REACHED,
                f"a company has at most {domain.MAX_ENDPOINTS_PER_COMPANY} webhook endpoints",
            )
        )
    if errors:
        return ValidationFailed(errors)
    secret = domain.new_signing_secret()
    record = await store.insert_endpoint(
        connection,
        {
            "company_id": tenant.id,
            "url": url,
            "events": domain.events_text(events),
            "description": cleaned,
            "enabled": True,
            "secret": box.seal(secret),
            "previous_secret": None,
            "previous_secret_expires_at": None,
            "created_at": now,
        },
    )
    await work.commit()
    return EndpointWithSecret(record, secret)


async def list_endpoints(work: UnitOfWork, *, tenant: Tenant) -> list[EndpointRecord]:
    return await store.list_endpoints(await connection_of(work), tenant.id)


async def update_endpoint(
    work: UnitOfWork,
    *,
    tenant: Tenant,
    public_id: str,
    url: str | None = None,
    events: Sequence[EventType] | None = None,
    description: Any = _UNSET,
    enabled: bool | None = None,
    policy: WebhookPolicy,
) -> EndpointRecord | ValidationFailed | None:
    """Change what is given (a null description clears it); None for an unknown id."""
    connection = await connection_of(work)
    found = await store.find_endpoint(connection, company_id=tenant.id, public_id=public_id)
    if found is None:
        return None
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    if url is not None:
        url = url.strip()
        errors += await _url_errors(url, policy)
        values["url"] = url
    if events is not None:
        errors += _events_errors(events)
        values["events"] = domain.events_text(events)
    if description is not _UNSET:
        cleaned = _description(description)
        if isinstance(cleaned, FieldError):
            errors.append(cleaned)
        values["description"] = cleaned
    if enabled is not None:
        values["enabled"] = enabled
        if enabled:  # a fresh start: the failure window counts again from the next failure
            values["failing_since"] = None
    if errors:
        return ValidationFailed(errors)
    if not values:
        return found
    updated = await store.update_endpoint(connection, found.id, values)
    await work.commit()
    return updated


async def delete_endpoint(work: UnitOfWork, *, tenant: Tenant, public_id: str) -> bool:
    connection = await connection_of(work)
    found = await store.find_endpoint(connection, company_id=tenant.id, public_id=public_id)
    if found is None:
        return False
    await store.delete_endpoint(connection, found.id)
    await work.commit()
    return True


async def rotate_secret(
    work: UnitOfWork,
    *,
    tenant: Tenant,
    public_id: str,
    policy: WebhookPolicy,
    box: SecretBox,
    now: datetime,
) -> EndpointWithSecret | None:
    """A new secret; the current one keeps signing beside it for the overlap."""
    connection = await connection_of(work)
    found = await store.find_endpoint(connection, company_id=tenant.id, public_id=public_id)
    if found is None:
        return None
    secret = domain.new_signing_secret()
    updated = await store.update_endpoint(
        connection,
        found.id,
        {
            "secret": box.seal(secret),
            "previous_secret": found.secret,
            "previous_secret_expires_at": now + policy.secret_overlap,
        },
    )
    await work.commit()
    return EndpointWithSecret(updated, secret)


def signing_secrets(endpoint: EndpointRecord, box: SecretBox, now: datetime) -> list[str]:
    """The secrets an attempt is signed with: the current one, and the one a rotation
    replaced while its overlap lasts."""
    secrets = [box.open(endpoint.secret)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret is not None and expires is not None and now < expires:
        secrets.append(box.open(endpoint.previous_secret))
    return secrets


async def list_deliveries(
    work: UnitOfWork,
    *,
    tenant: Tenant,
    endpoint_id: str,
    status: DeliveryStatus | None,
    first: int,
    after: str | None,
) -> DeliveryPage | PageSizeOutOfRange | InvalidCursor:
    """The endpoint's deliveries, newest first; an empty page for an unknown endpoint."""
    if not 0 <= first <= MAX_PAGE_SIZE:
        return PageSizeOutOfRange(first)
    connection = await connection_of(work)
    found = await store.find_endpoint(connection, company_id=tenant.id, public_id=endpoint_id)
    if found is None:
        return DeliveryPage([], has_next_page=False, has_previous_page=False)
    after_id = None
    if after is not None:
        after_id = public_id_of(after, store.DELIVERY)
        if after_id is None:
            return InvalidCursor()
    rows = await store.list_deliveries(
        connection,
        endpoint_key=found.id,
        status=status.value if status else None,
        after_public_id=after_id,
        limit=first + 1,
    )
    if rows is None:
        return InvalidCursor()
    return DeliveryPage(
        rows[:first], has_next_page=len(rows) > first, has_previous_page=after is not None
    )


async def redeliver(
    work: UnitOfWork, *, tenant: Tenant, event_id: str, endpoint_id: str, now: datetime
) -> bool:
    """Queue the event to the endpoint again; false when either is unknown."""
    connection = await connection_of(work)
    endpoint = await store.find_endpoint(connection, company_id=tenant.id, public_id=endpoint_id)
    event_key = await store.find_event_key(connection, company_id=tenant.id, public_id=event_id)
    if endpoint is None or event_key is None:
        return False
    await store.requeue(
        connection, company_id=tenant.id, event_key=event_key, endpoint_key=endpoint.id, now=now
    )
    await work.commit()
    return True
