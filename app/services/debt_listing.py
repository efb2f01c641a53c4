"""Listing one company's debts for front-ends: filters, newest first, pages behind cursors."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, not_, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.debts import DebtStatus, IntakePolicy
from app.services.debts import DEBT_TABLE, DebtView
from app.services.tenants import Tenant
from app.storage import ids
from app.storage.models import Timeline

MAX_PAGE_SIZE = 100

_DEBT = DEBT_TABLE.c
_TIMELINE = Timeline.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class DebtFilter:
    """Every given criterion must hold; None means "any"."""

    status: DebtStatus | None = None
    internal_id: str | None = None
    imported_from: datetime | None = None  # inclusive
    imported_before: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class DebtPage:
    debts: list[DebtView]
    has_next_page: bool
    has_previous_page: bool


@dataclass(frozen=True, slots=True)
class PageSizeOutOfRange:
    first: int
    maximum: int = MAX_PAGE_SIZE


@dataclass(frozen=True, slots=True)
class InvalidCursor:
    """Malformed, unknown or another company's: the three are indistinguishable."""


ListDebtsOutcome = DebtPage | PageSizeOutOfRange | InvalidCursor


@dataclass(frozen=True, slots=True)
class _Position:
    import_date: datetime
    key: int


def cursor_of(view: DebtView) -> str:
    """An opaque cursor: it names a debt of the caller's, never a database key."""
    public_id: str = view.record["public_id"]
    return base64.urlsafe_b64encode(public_id.encode()).decode().rstrip("=")


def _public_id_of(cursor: str) -> str | None:
    if not cursor or len(cursor) > 2 * ids.PUBLIC_ID_MAX or not cursor.isascii():
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    return ids.lookup_key(ids.DEBT, decoded) or None


async def _position(session: AsyncSession, tenant: Tenant, cursor: str) -> _Position | None:
    public_id = _public_id_of(cursor)
    if public_id is None:
        return None
    # Resolved within the caller's company: a foreign cursor is simply unknown here.
    statement = select(_DEBT.import_date, _DEBT.id).where(
        _DEBT.public_id == public_id, _DEBT.company_id == tenant.id
    )
    found = (await (await session.connection()).execute(statement)).first()
    return None if found is None else _Position(found.import_date, found.id)


def _criteria(tenant: Tenant, wanted: DebtFilter) -> list[ColumnElement[bool]]:
    criteria: list[ColumnElement[bool]] = [_DEBT.company_id == tenant.id]
    if wanted.status is not None:
        criteria.append(_DEBT.status == wanted.status.value)
    internal_id = (wanted.internal_id or "").strip()
    if internal_id:  # blank means "not given", as for every string of the API
        criteria.append(_DEBT.internal_id == internal_id)
    if wanted.imported_from is not None:
        criteria.append(_DEBT.import_date >= wanted.imported_from)
    if wanted.imported_before is not None:
        criteria.append(_DEBT.import_date < wanted.imported_before)
    return criteria


def listing_statement(tenant: Tenant, wanted: DebtFilter, *, limit: int) -> Select[Any]:
    """The first page's query (exposed so tests can check which index serves each filter)."""
    return _page(_criteria(tenant, wanted), limit=limit)


def _page(criteria: list[ColumnElement[bool]], *, limit: int) -> Select[Any]:
    return (
        select(DEBT_TABLE, _TIMELINE.c.public_id.label("timeline_public_id"))
        .outerjoin(_TIMELINE, _TIMELINE.c.id == _DEBT.timeline_id)
        .where(*criteria)
        .order_by(_DEBT.import_date.desc(), _DEBT.id.desc())
        .limit(limit)
    )


def _after(position: _Position) -> ColumnElement[bool]:
    """Rows after the position in the listing's order: newest first, then key descending."""
    return or_(
        _DEBT.import_date < position.import_date,
        and_(_DEBT.import_date == position.import_date, _DEBT.id < position.key),
    )


async def list_debts(
    session: AsyncSession,
    *,
    tenant: Tenant,
    policy: IntakePolicy,
    first: int,
    after: str | None = None,
    wanted: DebtFilter | None = None,
) -> ListDebtsOutcome:
    """Up to `first` of the company's debts matching `wanted`, after the cursor if given."""
    if not 0 <= first <= MAX_PAGE_SIZE:
        return PageSizeOutOfRange(first)
    criteria = _criteria(tenant, wanted or DebtFilter())
    position = None
    if after is not None:
        position = await _position(session, tenant, after)
        if position is None:
            return InvalidCursor()

    page_criteria = [*criteria, _after(position)] if position else criteria
    # One more row than asked tells whether another page follows.
    connection = await session.connection()
    rows = (await connection.execute(_page(page_criteria, limit=first + 1))).mappings().all()

    has_previous_page = False
    if position is not None:
        has_previous_page = bool(
            await connection.scalar(select(exists().where(*criteria, not_(_after(position)))))
        )
    views = [
        DebtView(
            record,
            record["timeline_public_id"],
            policy.prices.destination_for(country)
            if (country := record["destination_country"])
            else None,
            tenant.zone,
        )
        for record in rows[:first]
    ]
    return DebtPage(views, has_next_page=len(rows) > first, has_previous_page=has_previous_page)
