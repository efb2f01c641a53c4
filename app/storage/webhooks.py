"""The webhook tables: endpoints, the event outbox and deliveries, with their statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from app.storage import ids
from app.storage.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.storage.types import UTCDateTime

ENDPOINT = "whep"
EVENT = "evt"
DELIVERY = "whd"

_ENDPOINTS: Table = WebhookEndpoint.__table__  # type: ignore[attr-defined]
_EVENTS: Table = WebhookEvent.__table__  # type: ignore[attr-defined]
_DELIVERIES: Table = WebhookDelivery.__table__  # type: ignore[attr-defined]
_P, _E, _D = _ENDPOINTS.c, _EVENTS.c, _DELIVERIES.c

_DUE = ("PENDING", "RETRYING")


@dataclass(frozen=True, slots=True)
class EndpointRecord:
    id: int
    public_id: str
    company_id: int
    url: str
    events: str
    description: str | None
    enabled: bool
    secret: str  # encrypted
    previous_secret: str | None  # encrypted
    previous_secret_expires_at: datetime | None
    failing_since: datetime | None
    created_at: datetime


_ENDPOINT_COLUMNS = [
    _P.id,
    _P.public_id,
    _P.company_id,
    _P.url,
    _P.events,
    _P.description,
    _P.enabled,
    _P.secret,
    _P.previous_secret,
    _P.previous_secret_expires_at,
    _P.failing_since,
    _P.created_at,
]


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    id: int
    public_id: str
    event_public_id: str
    event_type: str
    status: str
    attempts: int
    last_http_status: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery a worker holds: what it must send, where, and with which secrets."""

    id: int
    claim_token: str
    attempts: int
    event_public_id: str
    event_type: str
    body: str
    endpoint: EndpointRecord


# --- endpoints ---------------------------------------------------------------------------


async def count_endpoints(connection: AsyncConnection, company_id: int) -> int:
    query = select(func.count()).select_from(_ENDPOINTS).where(_P.company_id == company_id)
    return int((await connection.execute(query)).scalar_one())


async def insert_endpoint(connection: AsyncConnection, values: dict[str, Any]) -> EndpointRecord:
    public_id = ids.new_public_id(ENDPOINT)
    row = {"public_id": public_id, "failing_since": None, **values}
    key = (await connection.execute(insert(_ENDPOINTS).returning(_P.id), row)).scalar_one()
    found = await find_endpoint_by_key(connection, key)
    assert found is not None
    return found


async def find_endpoint_by_key(connection: AsyncConnection, key: int) -> EndpointRecord | None:
    row = (await connection.execute(select(*_ENDPOINT_COLUMNS).where(_P.id == key))).first()
    return None if row is None else EndpointRecord(*row)


async def find_endpoint(
    connection: AsyncConnection, *, company_id: int, public_id: str
) -> EndpointRecord | None:
    """The company's endpoint with that id; another company's is as absent as none."""
    query = select(*_ENDPOINT_COLUMNS).where(
        _P.public_id == ids.lookup_key(ENDPOINT, public_id), _P.company_id == company_id
    )
    row = (await connection.execute(query)).first()
    return None if row is None else EndpointRecord(*row)


async def list_endpoints(connection: AsyncConnection, company_id: int) -> list[EndpointRecord]:
    query = select(*_ENDPOINT_COLUMNS).where(_P.company_id == company_id).order_by(_P.id)
    return [EndpointRecord(*row) for row in await connection.execute(query)]


async def update_endpoint(
    connection: AsyncConnection, key: int, values: dict[str, Any]
) -> EndpointRecord:
    await connection.execute(update(_ENDPOINTS).where(_P.id == key).values(**values))
    found = await find_endpoint_by_key(connection, key)
    assert found is not None
    return found


async def delete_endpoint(connection: AsyncConnection, key: int) -> None:
    """The endpoint and its deliveries (their events stay, for the other endpoints)."""
    await connection.execute(delete(_DELIVERIES).where(_D.endpoint_id == key))
    await connection.execute(delete(_ENDPOINTS).where(_P.id == key))


async def subscribed_endpoints(
    connection: AsyncConnection, company_id: int, event_types: Sequence[str]
) -> list[tuple[int, str]]:
    """(key, events) of the company's enabled endpoints subscribed to any of the types: the
    cheap check before queuing (one indexed read)."""
    query = select(_P.id, _P.events).where(
        _P.company_id == company_id,
        _P.enabled.is_(True),
        or_(*(_P.events.contains(f" {kind} ") for kind in event_types)),
    )
    return [(key, events) for key, events in await connection.execute(query)]


# --- events and deliveries ---------------------------------------------------------------


async def insert_events(
    connection: AsyncConnection,
    *,
    company_id: int,
    events: Sequence[tuple[str, str, str]],
    now: datetime,
) -> list[int]:
    """Events as (public id, type, body), in the connection's transaction; their keys, in
    the same order."""
    rows = [
        {"public_id": public_id, "company_id": company_id, "type": kind, "body": body}
        | {"created_at": now}
        for public_id, kind, body in events
    ]
    statement = insert(_EVENTS).returning(_E.id, sort_by_parameter_order=True)
    return list((await connection.execute(statement, rows)).scalars())


async def insert_deliveries(
    connection: AsyncConnection,
    *,
    company_id: int,
    pairs: Sequence[tuple[int, int]],
    now: datetime,
) -> None:
    """One PENDING delivery per (event key, endpoint key), due now."""
    if not pairs:
        return
    rows = [
        {
            "public_id": ids.new_public_id(DELIVERY),
            "company_id": company_id,
            "event_id": event,
            "endpoint_id": endpoint,
            "status": "PENDING",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for event, endpoint in pairs
    ]
    await connection.execute(insert(_DELIVERIES), rows)


# Written as text, once: building this statement with the expression language on every
# write would cost more CPU than running it. gen_random_uuid gives 122 random bits, as
# opaque as ids.new_public_id's.
_EVENT_FOR_SUBSCRIBERS = text(
    """
    WITH new_event AS (
        INSERT INTO webhook_event (public_id, company_id, type, body, created_at)
        VALUES (:public_id, :company_id, :type, :body, :now)
        RETURNING id
    )
    INSERT INTO webhook_delivery (
        public_id, company_id, event_id, endpoint_id, status, attempts, next_attempt_at,
        created_at
    )
    SELECT 'whd_' || replace(gen_random_uuid()::text, '-', ''), :company_id, new_event.id,
           endpoint.id, 'PENDING', 0, :now, :now
    FROM new_event
    JOIN webhook_endpoint AS endpoint
      ON endpoint.company_id = :company_id AND endpoint.enabled AND endpoint.events LIKE :pattern
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


async def insert_event_for_subscribers(
    connection: AsyncConnection,
    *,
    company_id: int,
    event: tuple[str, str, str],
    now: datetime,
) -> None:
    """PostgreSQL only: the event (public id, type, body) and one delivery per enabled
    endpoint subscribed to its type, in one statement (a data-modifying CTE)."""
    public_id, kind, body = event
    await connection.execute(
        _EVENT_FOR_SUBSCRIBERS,
        {
            "public_id": public_id,
            "company_id": company_id,
            "type": kind,
            "body": body,
            "now": now,
            "pattern": f"% {kind} %",
        },
    )


async def find_event_key(
    connection: AsyncConnection, *, company_id: int, public_id: str
) -> int | None:
    query = select(_E.id).where(
        _E.public_id == ids.lookup_key(EVENT, public_id), _E.company_id == company_id
    )
    return (await connection.execute(query)).scalar_one_or_none()


async def requeue(
    connection: AsyncConnection,
    *,
    company_id: int,
    event_key: int,
    endpoint_key: int,
    now: datetime,
) -> None:
    """A new PENDING delivery of the event to the endpoint, due now."""
    row = {
        "public_id": ids.new_public_id(DELIVERY),
        "company_id": company_id,
        "event_id": event_key,
        "endpoint_id": endpoint_key,
        "status": "PENDING",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    await connection.execute(insert(_DELIVERIES), row)


_DELIVERY_COLUMNS = [
    _D.id,
    _D.public_id,
    _E.public_id,
    _E.type,
    _D.status,
    _D.attempts,
    _D.last_http_status,
    _D.last_error,
    _D.next_attempt_at,
    _D.created_at,
]


async def list_deliveries(
    connection: AsyncConnection,
    *,
    endpoint_key: int,
    status: str | None,
    after_public_id: str | None,
    limit: int,
) -> list[DeliveryRecord] | None:
    """Newest first, `limit` rows after the cursor's; None when the cursor names no
    delivery of this endpoint."""
    query = (
        select(*_DELIVERY_COLUMNS)
        .join(_EVENTS, _E.id == _D.event_id)
        .where(_D.endpoint_id == endpoint_key)
    )
    if status is not None:
        query = query.where(_D.status == status)
    if after_public_id is not None:
        after = (
            await connection.execute(
                select(_D.id).where(_D.public_id == after_public_id, _D.endpoint_id == endpoint_key)
            )
        ).scalar_one_or_none()
        if after is None:
            return None
        query = query.where(_D.id < after)
    query = query.order_by(_D.id.desc()).limit(limit)
    return [DeliveryRecord(*row) for row in await connection.execute(query)]


async def claim_due(
    connection: AsyncConnection, *, now: datetime, lease_until: datetime, token: str, limit: int
) -> list[ClaimedDelivery]:
    """Take up to `limit` due deliveries nobody holds (or whose holder's lease expired).

    On PostgreSQL rows another worker is claiming are skipped (FOR UPDATE SKIP LOCKED), so
    workers never wait on each other nor take one row twice; SQLite has one writer at a
    time, so the UPDATE is the claim. Commit the connection to make the claim visible.
    """
    due = (
        select(_D.id)
        .where(
            _D.status.in_(_DUE),
            _D.next_attempt_at <= now,
            or_(_D.claimed_until.is_(None), _D.claimed_until < now),
        )
        .order_by(_D.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        (
            await connection.execute(
                update(_DELIVERIES)
                .where(_D.id.in_(due.scalar_subquery()))
                .values(claim_token=token, claimed_until=lease_until)
                .returning(_D.id)
            )
        )
        .scalars()
        .all()
    )
    if not claimed:
        return []
    query = (
        select(_D.id, _D.attempts, _E.public_id, _E.type, _E.body, *_ENDPOINT_COLUMNS)
        .join(_EVENTS, _E.id == _D.event_id)
        .join(_ENDPOINTS, _P.id == _D.endpoint_id)
        .where(_D.id.in_(claimed), _D.claim_token == token)
        .order_by(_D.id)
    )
    return [
        ClaimedDelivery(row[0], token, row[1], row[2], row[3], row[4], EndpointRecord(*row[5:]))
        for row in await connection.execute(query)
    ]


async def finish_attempt(
    connection: AsyncConnection,
    *,
    delivery_key: int,
    token: str,
    values: dict[str, Any],
) -> bool:
    """Record an attempt's result and release the claim, if the claim is still ours (a
    worker whose lease expired must not overwrite its successor's result)."""
    result = await connection.execute(
        update(_DELIVERIES)
        .where(_D.id == delivery_key, _D.claim_token == token)
        .values(claim_token=None, claimed_until=None, **values)
    )
    return bool(result.rowcount)


async def release(connection: AsyncConnection, *, delivery_keys: Sequence[int], token: str) -> None:
    """Give claimed deliveries back untried (a stopping worker): due again at once."""
    if delivery_keys:
        await connection.execute(
            update(_DELIVERIES)
            .where(_D.id.in_(delivery_keys), _D.claim_token == token)
            .values(claim_token=None, claimed_until=None)
        )


async def endpoint_failed(
    connection: AsyncConnection, *, endpoint_key: int, now: datetime, disable_before: datetime
) -> bool:
    """Note a failure; disable the endpoint once its failures began before `disable_before`.
    Whether it is disabled now."""
    await connection.execute(
        update(_ENDPOINTS)
        .where(_P.id == endpoint_key, _P.failing_since.is_(None))
        .values(failing_since=now)
    )
    result = await connection.execute(
        update(_ENDPOINTS)
        .where(
            _P.id == endpoint_key,
            _P.enabled.is_(True),
            and_(_P.failing_since.is_not(None), _P.failing_since <= disable_before),
        )
        .values(enabled=False)
    )
    return bool(result.rowcount)


async def endpoint_succeeded(connection: AsyncConnection, *, endpoint_key: int) -> None:
    await connection.execute(
        update(_ENDPOINTS)
        .where(_P.id == endpoint_key, _P.failing_since.is_not(None))
        .values(failing_since=None)
    )


async def events_holding(
    connection: AsyncConnection, *, company_id: int, text: str
) -> list[tuple[int, str]]:
    """(key, body) of the company's events whose body holds `text`."""
    query = select(_E.id, _E.body).where(
        _E.company_id == company_id, _E.body.contains(text, autoescape=True)
    )
    return [(key, body) for key, body in await connection.execute(query)]


async def rewrite_event_body(connection: AsyncConnection, *, key: int, body: str) -> None:
    await connection.execute(update(_EVENTS).where(_E.id == key).values(body=body))
