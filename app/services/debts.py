"""Registering a debt (SPEC section 2) and reading debts back, always within one company."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
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
from app.domain.idempotency import DEFAULT_KEY_POLICY, KeyPolicy, check_key, fingerprint
from app.domain.scheduling import timeline_start_at
from app.services import idempotency
from app.services.idempotency import KeyConflict, KeyedRequest, KeyInProgress, Replay
from app.services.tenants import Tenant
from app.services.timelines import find_usable_timeline, working_calendar
from app.storage import ids
from app.storage.db import engine_of
from app.storage.models import Debt, Timeline
from app.storage.writes import RowWriter

Clock = Callable[[], datetime]

# A stored debt as a mapping of the debt table's column keys to values: written and read
# through Core, since building ORM instances cost more than the INSERT itself.
DebtRecord = Mapping[Any, Any]

DEBT_TABLE = Debt.__table__  # type: ignore[attr-defined]
DEBT_ROWS = RowWriter(DEBT_TABLE)


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


CreateDebtOutcome = DebtView | ValidationFailed | ExpensiveDestination | KeyConflict | KeyInProgress


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
    sessions: async_sessionmaker[AsyncSession],
    *,
    tenant: Tenant,
    raw: DebtInput,
    policy: IntakePolicy,
    clock: Clock,
    idempotency_key: str | None = None,
    key_policy: KeyPolicy = DEFAULT_KEY_POLICY,
) -> CreateDebtOutcome:
    """Validate, guard, attach the timeline and store one debt; nothing is written on refusal.

    With an idempotency key, the key row and the debt are committed in one transaction, and
    a key that already created a debt from the same input answers with that debt.
    """
    now = clock()
    checked = check_debt(raw, tenant=tenant, policy=policy, now=now)
    key = check_key(idempotency_key)
    if isinstance(key, FieldError):  # reported with the input's own problems, after them
        errors = checked.errors if isinstance(checked, ValidationFailed) else []
        return ValidationFailed([*errors, key])
    if not isinstance(checked, ValidDebt):
        return checked
    if key is None:  # one INSERT, committed on its own; a session only to read a timeline
        timeline = None
        if checked.timeline_id is not None:
            async with sessions() as session:
                timeline = await find_usable_timeline(
                    session, tenant=tenant, public_id=checked.timeline_id
                )
        record = debt_record(checked, tenant=tenant, timeline=timeline, now=now)
        await DEBT_ROWS.insert_one(engine_of(sessions), record)
        return new_debt_view(record, timeline, checked, tenant)
    async with sessions() as session:  # the key and the debt: both or neither
        timeline = await find_usable_timeline(session, tenant=tenant, public_id=checked.timeline_id)
        record = debt_record(checked, tenant=tenant, timeline=timeline, now=now)
        claimed = await idempotency.claim_key(
            session,
            company_id=tenant.id,
            request=KeyedRequest(idempotency.CREATE_DEBT, key, fingerprint(raw)),
            result_ref=record["public_id"],
            now=now,
            policy=key_policy,
        )
        if isinstance(claimed, Replay):
            return await _first_result(
                session, tenant=tenant, public_id=claimed.result_ref, policy=policy
            )
        if isinstance(claimed, KeyConflict | KeyInProgress):
            return claimed
        await DEBT_ROWS.insert_many(await session.connection(), [record])
        await session.commit()
    return new_debt_view(record, timeline, checked, tenant)


def new_debt_view(
    record: DebtRecord, timeline: Timeline | None, debt: ValidDebt, tenant: Tenant
) -> DebtView:
    """The view of a debt just stored from `record`, without reading it back."""
    timeline_public_id = timeline.public_id if timeline else None
    return DebtView(record, timeline_public_id, debt.destination, tenant.zone)


async def _first_result(
    session: AsyncSession, *, tenant: Tenant, public_id: str, policy: IntakePolicy
) -> DebtView:
    found = await find_debt(session, tenant=tenant, public_id=public_id, policy=policy)
    if found is None:  # keys are only ever stored with the debt they created
        raise LookupError(f"idempotency key refers to a missing debt {public_id}")
    return found


async def debt_views(
    session: AsyncSession, *, tenant: Tenant, policy: IntakePolicy, where: Any
) -> list[DebtView]:
    """The caller's debts matching `where` (a condition on the debt table), oldest first."""
    timelines = Timeline.__table__  # type: ignore[attr-defined]
    statement = (
        select(DEBT_TABLE, timelines.c.public_id.label("timeline_public_id"))
        .outerjoin(timelines, timelines.c.id == DEBT_TABLE.c.timeline_id)
        .where(where, DEBT_TABLE.c.company_id == tenant.id)
        .order_by(DEBT_TABLE.c.id)
    )
    records = (await (await session.connection()).execute(statement)).mappings()
    views = []
    for record in records:
        country = record["destination_country"]
        destination = policy.prices.destination_for(country) if country else None
        views.append(DebtView(record, record["timeline_public_id"], destination, tenant.zone))
    return views


async def find_debt(
    session: AsyncSession, *, tenant: Tenant, public_id: str, policy: IntakePolicy
) -> DebtView | None:
    """The caller's debt with that id; another company's debt is as absent as a missing one."""
    found = await debt_views(
        session,
        tenant=tenant,
        policy=policy,
        where=DEBT_TABLE.c.public_id == ids.lookup_key(ids.DEBT, public_id),
    )
    return found[0] if found else None
