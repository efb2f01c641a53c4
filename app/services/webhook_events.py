"""Queuing webhook events: the outbox rows, in the transaction of the change they report.

Every write that reports an event calls `queue_events` with the connection it writes on,
before it commits: the event exists if and only if the change does. Delivery happens later,
in a worker (app/services/webhook_delivery.py), never on the request path.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.domain.history import PERSONAL_FIELDS
from app.domain.money import amount_text
from app.domain.webhooks import EventType
from app.storage import ids
from app.storage import webhooks as store
from app.storage.db import autocommit

if TYPE_CHECKING:
    from app.services.debts import DebtView


@dataclass(frozen=True, slots=True)
class Event:
    type: EventType
    data: dict[str, Any]


async def wants_events(
    connection: AsyncConnection, company_id: int, types: Sequence[EventType]
) -> bool:
    """Whether an enabled endpoint of the company subscribes to any of the types: one
    indexed read, so writes of companies without webhooks queue nothing."""
    return bool(await store.subscribed_endpoints(connection, company_id, [t.value for t in types]))


class Subscriptions:
    """`wants_events`, remembered per process for `ttl_seconds` (0: asked every time).

    Only the decision to skip queuing is cached: a write that does queue checks the
    endpoints again in its own transaction. The cost of the cache: an endpoint created or
    enabled through another process may miss the events of that process's writes for up to
    the TTL; this process forgets a company as soon as it changes its endpoints.
    """

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._known: dict[tuple[int, tuple[EventType, ...]], tuple[float, bool]] = {}

    async def wanted(
        self, engine: AsyncEngine, company_id: int, types: tuple[EventType, ...]
    ) -> bool:
        now = time.monotonic()
        cached = self._known.get((company_id, types))
        if cached is not None and cached[0] > now:
            return cached[1]
        async with autocommit(engine) as connection:
            wanted = await wants_events(connection, company_id, types)
        if self._ttl > 0:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[(company_id, types)] = (now + self._ttl, wanted)
        return wanted

    def forget(self, company_id: int) -> None:
        for key in [key for key in self._known if key[0] == company_id]:
            self._known.pop(key, None)


async def queue_events(
    connection: AsyncConnection, company_id: int, events: Sequence[Event], now: datetime
) -> list[str]:
    """Write the events an enabled endpoint subscribes to, and one delivery per such
    endpoint, in the connection's transaction; the ids of the events written."""
    if not events:
        return []
    types = sorted({event.type.value for event in events})
    endpoints = await store.subscribed_endpoints(connection, company_id, types)
    if not endpoints:
        return []
    rows: list[tuple[str, str, str]] = []
    wanted_by: list[list[int]] = []
    for event in events:
        endpoint_keys = [key for key, text in endpoints if event.type.value in text.split()]
        if endpoint_keys:
            public_id = ids.new_public_id(store.EVENT)
            rows.append((public_id, event.type.value, event_body(event, now)))
            wanted_by.append(endpoint_keys)
    if rows:
        keys = await store.insert_events(connection, company_id=company_id, events=rows, now=now)
        pairs = [
            (event_key, endpoint_key)
            for event_key, endpoint_keys in zip(keys, wanted_by, strict=True)
            for endpoint_key in endpoint_keys
        ]
        await store.insert_deliveries(connection, company_id=company_id, pairs=pairs, now=now)
    return [public_id for public_id, _, _ in rows]


async def queue_event(
    connection: AsyncConnection,
    company_id: int,
    type: EventType,
    data: dict[str, Any],
    now: datetime,
) -> str | None:
    """One event (see `queue_events`); its id, or None when no endpoint wants it (on
    PostgreSQL the id, always: the event is written with its deliveries in one statement,
    without a read first)."""
    event = Event(type, data)
    if connection.dialect.name == "postgresql":
        public_id = ids.new_public_id(store.EVENT)
        await store.insert_event_for_subscribers(
            connection,
            company_id=company_id,
            event=(public_id, type.value, event_body(event, now)),
            now=now,
        )
        return public_id
    written = await queue_events(connection, company_id, [event], now)
    return written[0] if written else None


def event_body(event: Event, now: datetime) -> str:
    """The JSON every attempt of the event sends: `{"type", "timestamp", "data"}`."""
    payload = {"type": event.type.value, "timestamp": now.isoformat(), "data": event.data}
    return orjson.dumps(payload).decode()


def _day(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def debt_data(view: DebtView) -> dict[str, Any]:
    """A debt as the GraphQL `Debt` type reads it (camelCase names, exact amounts as text,
    instants with the company's offset)."""
    debt = view.record
    destination = view.destination
    return {
        "id": debt.public_id,
        "status": debt.status,
        "civility": debt.civility,
        "firstname": debt.firstname,
        "lastname": debt.lastname,
        "phone": debt.phone,
        "email": debt.email,
        "birthdate": _day(debt.birthdate),
        "amount": format(debt.amount, "f"),
        "amountText": amount_text(debt.amount, debt.currency),
        "currency": debt.currency,
        "object": debt.object,
        "internalId": debt.internal_id,
        "invoiceReference": debt.invoice_reference,
        "debtorReference": debt.debtor_reference,
        "invoiceDate": _day(debt.invoice_date),
        "dueDate": _day(debt.due_date),
        "address": debt.address,
        "streetAddress": debt.street_address,
        "streetNumber": debt.street_number,
        "postalCode": debt.postal_code,
        "city": debt.city,
        "country": debt.country,
        "iban": debt.iban,
        "company": debt.creditor,
        "debtorCompany": debt.debtor_company,
        "paymentLink": debt.payment_link,
        "metadata": debt.metadata,
        "timelineId": view.timeline_public_id,
        "timelineStartMode": debt.timeline_start_mode,
        "timelineStartAt": _day(view.local(debt.timeline_start_at)),
        "destination": None
        if destination is None
        else {
            "country": destination.country,
            "tier": destination.tier.name,
            "creditsPerCall": destination.credits_per_call,
            "multiplier": destination.multiplier,
            "expensive": destination.expensive,
        },
        "nbReminders": debt.nb_reminders,
        "nbAnswered": debt.nb_answered,
        "followupsCount": debt.followups_count,
        "summary": debt.summary,
        "importDate": _day(debt.import_date.astimezone(view.zone)),
        "version": debt.version,
        "erasedAt": _day(view.local(debt.erased_at)),
    }


# What erasure blanks in the debt a past event carries (SPEC section 11).
_ERASED_KEYS = (*sorted(PERSONAL_FIELDS), "summary")


async def scrub_debt(
    connection: AsyncConnection, *, company_id: int, debt_id: str, data: dict[str, Any]
) -> None:
    """Blank the personal values of the debt in every event of the company that carries it
    (`data`: the erased debt as `debt_data` gives it), in the connection's transaction:
    what is still to be sent, or sent again, holds no erased value."""
    carried = f'"data":{{"id":{orjson.dumps(debt_id).decode()}'
    for key, body in await store.events_holding(connection, company_id=company_id, text=carried):
        payload = orjson.loads(body)
        if payload["data"].get("id") != debt_id:
            continue
        payload["data"] |= {name: data[name] for name in _ERASED_KEYS}
        await store.rewrite_event_body(connection, key=key, body=orjson.dumps(payload).decode())
