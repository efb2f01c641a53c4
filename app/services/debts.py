"""Registering a debt (SPEC section 2) and reading debts back, always within one company."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from app.domain.debts import (
    DebtInput,
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
from app.domain.webhooks import EventType
from app.services import idempotency, webhook_events
from app.services.idempotency import KeyConflict, KeyedRequest, KeyInProgress, Replay
from app.services.tenants import Tenant
from app.services.timelines import find_usable_timeline, working_calendar
from app.storage import debts
from app.storage.db import UnitOfWork, connection_of
from app.storage.debt_events import EventRecord
from app.storage.debts import DebtRecord, StoredDebt
from app.storage.timelines import TimelineRecord

Clock = Callable[[], datetime]

_CREATED = (EventType.DEBT_CREATED,)


@dataclass(frozen=True, slots=True)
class DebtView:
    """A stored debt as callers see it: public ids, instants in the company's zone."""

    record: DebtRecord
    timeline_public_id: str | None
    destination: Destination | None
    zone: ZoneInfo

    def local(self, instant: datetime | None) -> datetime | None:
        return None if instant is None else instant.astimezone(self.zone)

    @classmethod
    def of(cls, stored: StoredDebt, *, tenant: Tenant, policy: IntakePolicy) -> DebtView:
        country = stored.record.destination_country
        destination = policy.prices.destination_for(country) if country else None
        return cls(stored.record, stored.timeline_public_id, destination, tenant.zone)


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


def new_debt_record(
    debt: ValidDebt,
    *,
    tenant: Tenant,
    timeline: TimelineRecord | None,
    now: datetime,
    import_id: int | None = None,
    public_id: str | None = None,
) -> DebtRecord:
    """The row to insert for a checked debt; the timeline is already the caller's own."""
    if timeline is None:
        return DebtRecord.new(
            debt, company_id=tenant.id, now=now, import_id=import_id, public_id=public_id
        )
    start_at = timeline_start_at(
        now, debt.timeline_start_mode, working_calendar(timeline), tenant.zone
    )
    return DebtRecord.new(
        debt,
        company_id=tenant.id,
        now=now,
        timeline_id=timeline.id,
        timeline_start_at=start_at,
        import_id=import_id,
        public_id=public_id,
    )


async def create_debt(
    engine: AsyncEngine,
    *,
    tenant: Tenant,
    raw: DebtInput,
    policy: IntakePolicy,
    clock: Clock,
    actor: str,
    idempotency_key: str | None = None,
    key_policy: KeyPolicy = DEFAULT_KEY_POLICY,
    subscriptions: webhook_events.Subscriptions | None = None,
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
    subscriptions = subscriptions or webhook_events.Subscriptions(ttl_seconds=0)
    wanted = await subscriptions.wanted(engine, tenant.id, _CREATED)
    if key is None and not wanted:  # the debt and its event, committed together
        async with debts.creating(engine) as connection:
            timeline = await find_usable_timeline(
                connection, tenant=tenant, public_id=checked.timeline_id
            )
            record = new_debt_record(checked, tenant=tenant, timeline=timeline, now=now)
            await debts.insert_debt_with_event(connection, record, created_event(record, actor))
        return new_debt_view(record, timeline, checked, tenant)
    # The key, the debt and its webhook event: all or nothing.
    async with engine.begin() as connection:
        timeline = await find_usable_timeline(
            connection, tenant=tenant, public_id=checked.timeline_id
        )
        record = new_debt_record(checked, tenant=tenant, timeline=timeline, now=now)
        if key is not None:
            claimed = await idempotency.claim_key(
                connection,
                company_id=tenant.id,
                request=KeyedRequest(idempotency.CREATE_DEBT, key, fingerprint(raw)),
                result_ref=record.public_id,
                now=now,
                policy=key_policy,
            )
            if isinstance(claimed, Replay):
                return await _first_result(
                    connection, tenant=tenant, public_id=claimed.result_ref, policy=policy
                )
            if isinstance(claimed, KeyConflict | KeyInProgress):
                return claimed
        await debts.insert_debt_with_event(connection, record, created_event(record, actor))
        view = new_debt_view(record, timeline, checked, tenant)
        if wanted:
            await webhook_events.queue_event(
                connection, tenant.id, EventType.DEBT_CREATED, webhook_events.debt_data(view), now
            )
    return view


def created_event(record: DebtRecord, actor: str) -> EventRecord:
    """The CREATED event of a debt just registered: version 1, no field changes."""
    return EventRecord.new(
        company_id=record.company_id,
        type="CREATED",
        at=record.import_date,
        actor=actor,
        version=record.version,
        changes=[],
    )


def new_debt_view(
    record: DebtRecord, timeline: TimelineRecord | None, debt: ValidDebt, tenant: Tenant
) -> DebtView:
    """The view of a debt just stored from `record`, without reading it back."""
    timeline_public_id = timeline.public_id if timeline else None
    return DebtView(record, timeline_public_id, debt.destination, tenant.zone)


async def _first_result(
    work: UnitOfWork, *, tenant: Tenant, public_id: str, policy: IntakePolicy
) -> DebtView:
    found = await find_debt(work, tenant=tenant, public_id=public_id, policy=policy)
    if found is None:  # keys are only ever stored with the debt they created
        raise LookupError(f"idempotency key refers to a missing debt {public_id}")
    return found


async def find_debt(
    work: UnitOfWork, *, tenant: Tenant, public_id: str, policy: IntakePolicy
) -> DebtView | None:
    """The caller's debt with that id; another company's debt is as absent as a missing one."""
    stored = await debts.find_debt(
        await connection_of(work), company_id=tenant.id, public_id=public_id
    )
    return None if stored is None else DebtView.of(stored, tenant=tenant, policy=policy)
