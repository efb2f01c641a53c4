"""Registering a debt (SPEC section 2) and reading debts back, always within one company."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.debts import (
    DebtInput,
    DebtStatus,
    ExpensiveDestination,
    IntakePolicy,
    ValidDebt,
    expensive_destination,
    validate_debt,
)
from app.domain.destinations import Destination
from app.domain.errors import FieldError
from app.domain.scheduling import TimelineStartMode, timeline_start_at
from app.services.tenants import Tenant
from app.services.timelines import find_usable_timeline, working_calendar
from app.storage import ids
from app.storage.models import Debt, Timeline

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class DebtView:
    """A stored debt as callers see it: public ids, instants in the company's zone."""

    row: Debt
    timeline_public_id: str | None
    destination: Destination | None
    zone: ZoneInfo

    def local(self, instant: datetime | None) -> datetime | None:
        return None if instant is None else instant.astimezone(self.zone)


@dataclass(frozen=True, slots=True)
class ValidationFailed:
    errors: list[FieldError]


CreateDebtOutcome = DebtView | ValidationFailed | ExpensiveDestination


def check_debt(
    raw: DebtInput, *, tenant: Tenant, policy: IntakePolicy, now: datetime
) -> ValidDebt | ValidationFailed | ExpensiveDestination:
    """Steps 2 and 3 of SPEC section 2, with no database: field rules, then the cost guard."""
    valid = validate_debt(raw, today=now.astimezone(tenant.zone).date(), policy=policy)
    if isinstance(valid, list):
        return ValidationFailed(valid)
    return expensive_destination(valid) or valid


def debt_row(debt: ValidDebt, *, tenant: Tenant, timeline: Timeline | None, now: datetime) -> Debt:
    """The row to insert for a checked debt; the timeline is already the caller's own."""
    start_mode = start_at = None
    if timeline is not None:
        start_mode = debt.timeline_start_mode
        start_at = timeline_start_at(now, start_mode, working_calendar(timeline), tenant.zone)
    return Debt(
        public_id=ids.new_public_id(ids.DEBT),
        company_id=tenant.id,
        status=DebtStatus.PENDING.value,
        civility=debt.civility.value if debt.civility else None,
        firstname=debt.firstname,
        lastname=debt.lastname,
        phone=debt.phone,
        email=debt.email,
        birthdate=debt.birthdate,
        amount=debt.amount,
        currency=debt.currency,
        object=debt.object,
        internal_id=debt.internal_id,
        invoice_reference=debt.invoice_reference,
        debtor_reference=debt.debtor_reference,
        invoice_date=debt.invoice_date,
        due_date=debt.due_date,
        address=debt.address,
        street_address=debt.street_address,
        street_number=debt.street_number,
        postal_code=debt.postal_code,
        city=debt.city,
        country=debt.country,
        iban=debt.iban,
        creditor=debt.company,
        debtor_company=debt.debtor_company,
        payment_link=debt.payment_link,
        extra=debt.metadata,
        timeline_id=timeline.id if timeline else None,
        timeline_start_mode=start_mode.value if isinstance(start_mode, TimelineStartMode) else None,
        timeline_start_at=start_at,
        destination_country=debt.destination.country if debt.destination else None,
        import_date=now,
    )


def insert_values(row: Debt) -> dict[str, object]:
    """Column values of a row for a Core INSERT (cheaper than the ORM's unit of work)."""
    return {column.key: getattr(row, attribute) for attribute, column in _COLUMNS.items()}


_COLUMNS = {
    attribute: column
    for attribute, column in Debt.__mapper__.columns.items()  # type: ignore[attr-defined]
    if attribute != "id"
}


async def create_debt(
    session: AsyncSession,
    *,
    tenant: Tenant,
    raw: DebtInput,
    policy: IntakePolicy,
    clock: Clock,
) -> CreateDebtOutcome:
    """Validate, guard, attach the timeline and store one debt; nothing is written on refusal."""
    now = clock()
    checked = check_debt(raw, tenant=tenant, policy=policy, now=now)
    if not isinstance(checked, ValidDebt):
        return checked
    timeline = await find_usable_timeline(session, tenant=tenant, public_id=checked.timeline_id)
    row = debt_row(checked, tenant=tenant, timeline=timeline, now=now)
    connection = await session.connection()
    await connection.execute(insert(Debt).values(insert_values(row)))
    await session.commit()
    return DebtView(row, timeline.public_id if timeline else None, checked.destination, tenant.zone)


async def find_debt(
    session: AsyncSession, *, tenant: Tenant, public_id: str, policy: IntakePolicy
) -> DebtView | None:
    """The caller's debt with that id; another company's debt is as absent as a missing one."""
    found = (
        await session.exec(
            select(Debt, Timeline.public_id)
            .outerjoin(Timeline, Timeline.id == Debt.timeline_id)  # type: ignore[arg-type]
            .where(Debt.public_id == ids.lookup_key(public_id), Debt.company_id == tenant.id)
        )
    ).first()
    if found is None:
        return None
    row, timeline_public_id = found
    destination = (
        policy.prices.destination_for(row.destination_country) if row.destination_country else None
    )
    return DebtView(row, timeline_public_id, destination, tenant.zone)
