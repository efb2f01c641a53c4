"""The debt_event table: each debt's history, written with each change, read newest first.

Events are written by the statement (or in the transaction) that makes their change, never
on their own: the callers are app/storage/debts.py and the services' units of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.storage import ids
from app.storage.models import Debt, DebtEvent

EVENT_TABLE: Table = DebtEvent.__table__  # type: ignore[attr-defined]
_DEBT: Table = Debt.__table__  # type: ignore[attr-defined]
_E = EVENT_TABLE.c


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One event, without its keys: the debt it belongs to is given beside it."""

    public_id: str
    company_id: int
    type: str
    at: datetime
    actor: str
    version: int
    reason: str | None
    # [{"field": name, "from": value, "to": value}, ...], JSON-ready values.
    changes: list[dict[str, Any]]

    @classmethod
    def new(
        cls,
        *,
        company_id: int,
        type: str,
        at: datetime,
        actor: str,
        version: int,
        changes: list[dict[str, Any]],
        reason: str | None = None,
    ) -> EventRecord:
        return cls(
            ids.new_public_id(ids.EVENT), company_id, type, at, actor, version, reason, changes
        )


# Column keys of an event row besides its own key and its debt's: EventRecord's attributes.
EVENT_COLUMNS = ("public_id", "company_id", "type", "at", "actor", "version", "reason", "changes")
if {*EVENT_COLUMNS, "id", "debt_id"} != {column.key for column in EVENT_TABLE.columns}:
    raise RuntimeError("EventRecord's attributes must be the debt_event table's columns")


def event_values(event: EventRecord) -> dict[str, Any]:
    return {name: getattr(event, name) for name in EVENT_COLUMNS}


async def insert_event(connection: AsyncConnection, *, debt_key: int, event: EventRecord) -> None:
    """One event of the debt with that key, in the connection's transaction."""
    await connection.execute(insert(EVENT_TABLE), {"debt_id": debt_key, **event_values(event)})


async def insert_events(
    connection: AsyncConnection, events: Sequence[tuple[int, EventRecord]]
) -> None:
    """Many events (debt key, event) in the connection's transaction: one COPY on
    PostgreSQL (as the batch's debts), else one executemany."""
    if not events:
        return
    if connection.dialect.name != "postgresql" or len(events) == 1:
        await connection.execute(
            insert(EVENT_TABLE),
            [{"debt_id": debt_key, **event_values(event)} for debt_key, event in events],
        )
        return
    names = ["debt_id", *EVENT_COLUMNS]
    # Each value through its column type's bind conversion (UTC instants, JSON text), as
    # SQLAlchemy's own execution would do it.
    processors = [
        EVENT_TABLE.c[name].type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
        for name in names
    ]
    rows = [
        tuple(
            value if process is None else process(value)
            for value, process in zip(
                (debt_key, *(getattr(event, name) for name in EVENT_COLUMNS)),
                processors,
                strict=True,
            )
        )
        for debt_key, event in events
    ]
    raw = await connection.get_raw_connection()  # the same connection, inside its transaction
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(EVENT_TABLE.name, records=rows, columns=names)


_COLUMNS = [EVENT_TABLE.c[name] for name in EVENT_COLUMNS]


@dataclass(frozen=True, slots=True)
class EventSlice:
    events: list[EventRecord]
    has_more: bool


async def list_events(
    connection: AsyncConnection,
    *,
    company_id: int,
    debt_public_id: str,
    limit: int,
    after: str | None = None,
) -> EventSlice | None:
    """Up to `limit` events of the company's debt, newest first, after the event `after`;
    None when `after` names no event of that debt."""
    debt_key = (
        select(_DEBT.c.id)
        .where(
            _DEBT.c.public_id == ids.lookup_key(ids.DEBT, debt_public_id),
            _DEBT.c.company_id == company_id,
        )
        .scalar_subquery()
    )
    criteria = [_E.debt_id == debt_key]
    if after is not None:
        position = await connection.scalar(
            select(_E.id).where(_E.public_id == after, _E.debt_id == debt_key)
        )
        if position is None:
            return None
        criteria.append(_E.id < position)
    rows = (
        await connection.execute(
            select(*_COLUMNS).where(and_(*criteria)).order_by(_E.id.desc()).limit(limit + 1)
        )
    ).all()
    return EventSlice([EventRecord(*row) for row in rows[:limit]], len(rows) > limit)


async def scrub_events(
    connection: AsyncConnection, *, debt_key: int, personal_fields: frozenset[str]
) -> None:
    """Remove every personal value from the debt's past events, in the transaction: the
    values of personal fields' changes, and reasons (free text that may name the debtor)."""
    rows = (await connection.execute(select(_E.id, _E.changes).where(_E.debt_id == debt_key))).all()
    for key, changes in rows:
        scrubbed = [
            {**change, "from": None, "to": None} if change["field"] in personal_fields else change
            for change in changes
        ]
        await connection.execute(
            update(EVENT_TABLE).where(_E.id == key).values(changes=scrubbed, reason=None)
        )
