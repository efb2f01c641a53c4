"""Registering a debt (SPEC section 2) and reading debts back, always within one company."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
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
from app.domain.scheduling import timeline_start_at
from app.services.tenants import Tenant
from app.services.timelines import find_usable_timeline, working_calendar
from app.storage import ids
from app.storage.models import Debt, Timeline

Clock = Callable[[], datetime]

# A stored debt as a mapping of the debt table's column keys to values: written and read
# through Core, since building ORM instances cost more than the INSERT itself.
DebtRecord = Mapping[Any, Any]

DEBT_TABLE = Debt.__table__  # type: ignore[attr-defined]
# Compiled once and cached by SQLAlchemy; values are bound per call.
INSERT_DEBT = insert(DEBT_TABLE)
# Single statements need no transaction: autocommit saves the BEGIN and COMMIT round trips.
AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


@dataclass(frozen=True, slots=True)
class DebtView:
    """A stored debt as callers see it: public ids, instants in the company's zone."""

    record: DebtRecord
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


def debt_record(
    debt: ValidDebt,
    *,
    tenant: Tenant,
    timeline: Timeline | None,
    now: datetime,
    import_id: int | None = None,
) -> dict[str, Any]:
    """The row to insert for a checked debt; the timeline is already the caller's own."""
    start_mode = start_at = None
    if timeline is not None:
        start_mode = debt.timeline_start_mode.value
        start_at = timeline_start_at(
            now, debt.timeline_start_mode, working_calendar(timeline), tenant.zone
        )
    return {
        "public_id": ids.new_public_id(ids.DEBT),
        "company_id": tenant.id,
        "status": DebtStatus.PENDING.value,
        "civility": debt.civility.value if debt.civility else None,
        "firstname": debt.firstname,
        "lastname": debt.lastname,
        "phone": debt.phone,
        "email": debt.email,
        "birthdate": debt.birthdate,
        "amount": debt.amount,
        "currency": debt.currency,
        "object": debt.object,
        "internal_id": debt.internal_id,
        "invoice_reference": debt.invoice_reference,
        "debtor_reference": debt.debtor_reference,
        "invoice_date": debt.invoice_date,
        "due_date": debt.due_date,
        "address": debt.address,
        "street_address": debt.street_address,
        "street_number": debt.street_number,
        "postal_code": debt.postal_code,
        "city": debt.city,
        "country": debt.country,
        "iban": debt.iban,
        "creditor": debt.company,
        "debtor_company": debt.debtor_company,
        "payment_link": debt.payment_link,
        "metadata": debt.metadata,
        "timeline_id": timeline.id if timeline else None,
        "import_id": import_id,
        "timeline_start_mode": start_mode,
        "timeline_start_at": start_at,
        "destination_country": debt.destination.country if debt.destination else None,
        "nb_reminders": 0,
        "nb_answered": 0,
        "followups_count": 0,
        "summary": None,
        "import_date": now,
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
    await session.connection(execution_options=AUTOCOMMIT)
    timeline = await find_usable_timeline(session, tenant=tenant, public_id=checked.timeline_id)
    record = debt_record(checked, tenant=tenant, timeline=timeline, now=now)
    await (await session.connection()).execute(INSERT_DEBT, record)
    return DebtView(
        record, timeline.public_id if timeline else None, checked.destination, tenant.zone
    )


async def find_debt(
    session: AsyncSession, *, tenant: Tenant, public_id: str, policy: IntakePolicy
) -> DebtView | None:
    """The caller's debt with that id; another company's debt is as absent as a missing one."""
    timeline_public_id = Timeline.__table__.c.public_id.label("timeline_public_id")  # type: ignore[attr-defined]
    statement = (
        select(DEBT_TABLE, timeline_public_id)
        .outerjoin(Timeline.__table__, Timeline.__table__.c.id == DEBT_TABLE.c.timeline_id)  # type: ignore[attr-defined]
        .where(
            DEBT_TABLE.c.public_id == ids.lookup_key(ids.DEBT, public_id),
            DEBT_TABLE.c.company_id == tenant.id,
        )
    )
    record = (await (await session.connection()).execute(statement)).mappings().first()
    if record is None:
        return None
    country = record["destination_country"]
    destination = policy.prices.destination_for(country) if country else None
    return DebtView(record, record["timeline_public_id"], destination, tenant.zone)
