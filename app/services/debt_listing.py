"""Listing one company's debts for front-ends: filters, newest first, pages behind cursors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select

from app.domain.debts import DebtStatus, IntakePolicy
from app.services.debts import DebtView
from app.services.pages import (
    MAX_PAGE_SIZE,
    InvalidCursor,
    PageSizeOutOfRange,
    cursor_for,
    public_id_of,
)
from app.services.tenants import Tenant
from app.storage import debts, ids
from app.storage.db import UnitOfWork, connection_of


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


ListDebtsOutcome = DebtPage | PageSizeOutOfRange | InvalidCursor


def cursor_of(view: DebtView) -> str:
    """An opaque cursor: it names a debt of the caller's, never a database key."""
    return cursor_for(view.record.public_id)


def _criteria(wanted: DebtFilter) -> debts.DebtCriteria:
    internal_id = (wanted.internal_id or "").strip()
    return debts.DebtCriteria(
        status=wanted.status.value if wanted.status is not None else None,
        # Blank means "not given", as for every string of the API.
        internal_id=internal_id or None,
        imported_from=wanted.imported_from,
        imported_before=wanted.imported_before,
    )


def listing_statement(tenant: Tenant, wanted: DebtFilter, *, limit: int) -> Select[Any]:
    """The first page's query (exposed so tests can check which index serves each filter)."""
    return debts.listing_statement(tenant.id, _criteria(wanted), limit=limit)


async def list_debts(
    work: UnitOfWork,
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
    after_id = None
    if after is not None:
        after_id = public_id_of(after, ids.DEBT)
        if after_id is None:
            return InvalidCursor()
    found = await debts.list_debts(
        await connection_of(work),
        company_id=tenant.id,
        wanted=_criteria(wanted or DebtFilter()),
        limit=first,
        after=after_id,
    )
    if found is None:
        return InvalidCursor()
    return DebtPage(
        [DebtView.of(stored, tenant=tenant, policy=policy) for stored in found.debts],
        has_next_page=found.has_more,
        has_previous_page=found.has_before,
    )
