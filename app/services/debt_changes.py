"""Changing a debt after intake (SPEC section 11): updates, status changes and erasure.

Each change is read, decided by the domain's rules, then written with a version check and
its event in one transaction: no change without its event, no event without its change,
and two changes of one version never both succeed (app/storage/debts.py write_version).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.domain import fields as rules
from app.domain.debts import (
    Civility,
    DebtInput,
    DebtStatus,
    ExpensiveDestination,
    IntakePolicy,
    ValidDebt,
    expensive_destination,
    validate_debt,
)
from app.domain.errors import FieldError, Problem
from app.domain.history import PERSONAL_FIELDS, DebtEventType, changes_between
from app.domain.scheduling import TimelineStartMode, timeline_start_at
from app.domain.statuses import REASON_MAX, TransitionTable
from app.domain.updates import DebtLocked, amount_lock, patched, update_lock
from app.domain.webhooks import EventType
from app.services import webhook_events
from app.services.debts import Clock, DebtView, ValidationFailed
from app.services.tenants import Tenant
from app.services.timelines import find_usable_timeline, working_calendar
from app.storage import companies, debt_events, debts, idempotency_keys, imports
from app.storage.debt_events import EventRecord
from app.storage.debts import DebtRecord, DebtRow, StoredDebt

OPERATOR = "operator"
ERASED_TEXT = "[erased]"
# Without expectedVersion a change applies to the current version: a concurrent change in
# between means reading again, a few times at most.
_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class DebtNotFound:
    """Unknown, or another company's: the two are indistinguishable."""


@dataclass(frozen=True, slots=True)
class VersionConflict:
    """The debt is not at the version the caller expected; nothing changed."""

    current_version: int


@dataclass(frozen=True, slots=True)
class InvalidStatusTransition:
    """The table allows no such change from the current status; nothing changed."""

    current: DebtStatus
    target: DebtStatus
    allowed: list[DebtStatus]


UpdateOutcome = (
    StoredDebt
    | ValidationFailed
    | ExpensiveDestination
    | DebtNotFound
    | DebtLocked
    | VersionConflict
)
StatusOutcome = (
    StoredDebt | DebtNotFound | InvalidStatusTransition | VersionConflict | ValidationFailed
)


def input_of(stored: StoredDebt) -> DebtInput:
    """A stored debt as the input that would register it again (for the field rules)."""
    debt = stored.record
    mode = debt.timeline_start_mode
    return DebtInput(
        firstname=debt.firstname,
        lastname=debt.lastname,
        civility=Civility(debt.civility) if debt.civility else None,
        phone=debt.phone,
        email=debt.email,
        amount=debt.amount,
        currency=debt.currency,
        birthdate=debt.birthdate.isoformat() if debt.birthdate else None,
        object=debt.object,
        internal_id=debt.internal_id,
        invoice_reference=debt.invoice_reference,
        debtor_reference=debt.debtor_reference,
        invoice_date=debt.invoice_date.isoformat() if debt.invoice_date else None,
        due_date=debt.due_date.isoformat() if debt.due_date else None,
        address=debt.address,
        street_address=debt.street_address,
        street_number=debt.street_number,
        postal_code=debt.postal_code,
        city=debt.city,
        country=debt.country,
        iban=debt.iban,
        company=debt.creditor,
        debtor_company=debt.debtor_company,
        payment_link=debt.payment_link,
        metadata=debt.metadata,
        timeline_id=stored.timeline_public_id,
        timeline_start_mode=TimelineStartMode(mode) if mode else None,
    )


def public_fields(stored: StoredDebt) -> dict[str, Any]:
    """A debt's fields by their API names, as its events compare them."""
    debt = stored.record
    return {
        "status": debt.status,
        "firstname": debt.firstname,
        "lastname": debt.lastname,
        "civility": debt.civility,
        "phone": debt.phone,
        "email": debt.email,
        "amount": debt.amount,
        "currency": debt.currency,
        "birthdate": debt.birthdate,
        "object": debt.object,
        "internalId": debt.internal_id,
        "invoiceReference": debt.invoice_reference,
        "debtorReference": debt.debtor_reference,
        "invoiceDate": debt.invoice_date,
        "dueDate": debt.due_date,
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
        "timelineId": stored.timeline_public_id,
        "timelineStartMode": debt.timeline_start_mode,
        "timelineStartAt": debt.timeline_start_at,
        "destination": debt.destination_country,
    }


# The webhook event each kind of change sends (SPEC section 12).
_ANNOUNCED = {
    DebtEventType.UPDATED: EventType.DEBT_UPDATED,
    DebtEventType.STATUS_CHANGED: EventType.DEBT_STATUS_CHANGED,
    DebtEventType.ERASED: EventType.DEBT_ERASED,
}


@dataclass(frozen=True, slots=True)
class Reader:
    """How the company reads its debts (its time zone, the prices): webhook events carry the
    debt as its GraphQL Debt type reads it."""

    zone: ZoneInfo
    policy: IntakePolicy

    def view(self, stored: StoredDebt) -> DebtView:
        country = stored.record.destination_country
        destination = self.policy.prices.destination_for(country) if country else None
        return DebtView(stored.record, stored.timeline_public_id, destination, self.zone)


async def _write(
    connection: AsyncConnection,
    row: DebtRow,
    after: StoredDebt,
    *,
    type: DebtEventType,
    actor: str,
    now: datetime,
    reader: Reader,
    reason: str | None = None,
) -> StoredDebt | None:
    """Store the change, its event and its webhook event (for the endpoints that want it),
    all in the connection's transaction; None when another change of the version won."""
    before = row.stored.record
    written = await debts.write_version(
        connection, key=row.key, version=before.version, record=after.record
    )
    if not written:
        return None
    version = before.version + 1
    event = EventRecord.new(
        company_id=before.company_id,
        type=type.value,
        at=now,
        actor=actor,
        version=version,
        reason=reason,
        changes=changes_between(public_fields(row.stored), public_fields(after)),
    )
    await debt_events.insert_event(connection, debt_key=row.key, event=event)
    changed = dataclasses.replace(after, record=dataclasses.replace(after.record, version=version))
    data = webhook_events.debt_data(reader.view(changed))
    await webhook_events.queue_events(
        connection, before.company_id, [webhook_events.Event(_ANNOUNCED[type], data)], now
    )
    return changed


async def _lost_race(
    connection: AsyncConnection, row: DebtRow, expected_version: int | None
) -> VersionConflict | None:
    """After a write another change beat: the conflict to answer, or None to read again."""
    if expected_version is None:
        return None
    current = await debts.current_version(connection, key=row.key)
    return VersionConflict(current if current is not None else row.stored.record.version)


# --- updateDebt ------------------------------------------------------------------------------


async def update_debt(
    engine: AsyncEngine,
    *,
    tenant: Tenant,
    actor: str,
    public_id: str,
    patch: Mapping[str, Any],
    accept_expensive_destination: bool,
    expected_version: int | None,
    policy: IntakePolicy,
    clock: Clock,
) -> UpdateOutcome:
    """Apply the given fields (None clears one) through createDebt's own rules."""
    for _ in range(_ATTEMPTS):
        now = clock()
        async with engine.begin() as connection:
            row = await debts.find_debt_for_change(
                connection, company_id=tenant.id, public_id=public_id
            )
            if row is None:
                return DebtNotFound()
            outcome = await _updated(
                connection,
                row,
                tenant=tenant,
                patch=patch,
                accept_expensive_destination=accept_expensive_destination,
                expected_version=expected_version,
                policy=policy,
                now=now,
            )
            if not isinstance(outcome, StoredDebt) or outcome == row.stored:
                return outcome  # a refusal, or a change that changes nothing
            written = await _write(
                connection,
                row,
                outcome,
                type=DebtEventType.UPDATED,
                actor=actor,
                now=now,
                reader=Reader(tenant.zone, policy),
            )
            if written is not None:
                return written
            conflict = await _lost_race(connection, row, expected_version)
            if conflict is not None:
                return conflict
    assert row is not None  # every attempt read the debt, or returned
    return VersionConflict(row.stored.record.version + 1)


async def _updated(
    connection: AsyncConnection,
    row: DebtRow,
    *,
    tenant: Tenant,
    patch: Mapping[str, Any],
    accept_expensive_destination: bool,
    expected_version: int | None,
    policy: IntakePolicy,
    now: datetime,
) -> UpdateOutcome:
    """The debt as the update would leave it, or why it must not happen."""
    record = row.stored.record
    if expected_version is not None and expected_version != record.version:
        return VersionConflict(record.version)
    status = DebtStatus(record.status)
    locked = update_lock(status, erased=record.erased_at is not None)
    if locked is not None:
        return locked
    raw = patched(
        input_of(row.stored), patch, accept_expensive_destination=accept_expensive_destination
    )
    valid = validate_debt(raw, today=now.astimezone(tenant.zone).date(), policy=policy)
    if isinstance(valid, list):
        return ValidationFailed(valid)
    if valid.phone != record.phone:  # a new number: the cost guard as on creation
        refusal = expensive_destination(valid)
        if refusal is not None:
            return refusal
    locked = amount_lock(
        status,
        amount_or_currency_changes=valid.amount != record.amount
        or valid.currency != record.currency,
    )
    if locked is not None:
        return locked
    return await _with_timeline(connection, row.stored, valid, patch=patch, tenant=tenant, now=now)


async def _with_timeline(
    connection: AsyncConnection,
    stored: StoredDebt,
    valid: ValidDebt,
    *,
    patch: Mapping[str, Any],
    tenant: Tenant,
    now: datetime,
) -> StoredDebt:
    """The updated row; a new timeline or start mode (SPEC section 6) starts from now."""
    record = stored.record
    timeline_key, start_at, timeline_public_id = (
        record.timeline_id,
        record.timeline_start_at,
        stored.timeline_public_id,
    )
    if "timeline_id" in patch or "timeline_start_mode" in patch:
        timeline = await find_usable_timeline(
            connection, tenant=tenant, public_id=valid.timeline_id
        )
        if timeline is None:  # cleared, or an id that is silently ignored
            timeline_key, start_at, timeline_public_id = None, None, None
        elif (
            timeline.id != record.timeline_id
            or valid.timeline_start_mode.value != record.timeline_start_mode
        ):
            timeline_key, timeline_public_id = timeline.id, timeline.public_id
            start_at = timeline_start_at(
                now, valid.timeline_start_mode, working_calendar(timeline), tenant.zone
            )
    fresh = DebtRecord.new(
        valid,
        company_id=record.company_id,
        now=record.import_date,
        timeline_id=timeline_key,
        timeline_start_at=start_at,
        import_id=record.import_id,
        public_id=record.public_id,
    )
    kept = {
        name: getattr(record, name)
        for name in (
            "status",
            "nb_reminders",
            "nb_answered",
            "followups_count",
            "summary",
            "version",
            "erased_at",
            "held_from_status",
        )
    }
    return StoredDebt(dataclasses.replace(fresh, **kept), timeline_public_id)


# --- changeDebtStatus ------------------------------------------------------------------------


def check_reason(reason: str | None) -> str | ValidationFailed | None:
    """The reason as stored (trimmed, blank is none), or why it is refused."""
    text = rules.clean_text(reason)
    if text is None:
        return None
    checked = rules.text(REASON_MAX)(text)
    if isinstance(checked, Problem):
        return ValidationFailed([FieldError("reason", checked.code, checked.message)])
    return checked


async def change_debt_status(
    engine: AsyncEngine,
    *,
    company_id: int | None,
    actor: str,
    public_id: str,
    target: DebtStatus,
    reason: str | None,
    expected_version: int | None,
    transitions: TransitionTable | None,
    policy: IntakePolicy,
    clock: Clock,
) -> StatusOutcome:
    """Set the status as the table allows (`transitions` None: any, for the operator).

    ON_HOLD remembers the status it paused; the same status again changes nothing.
    """
    checked_reason = check_reason(reason)
    if isinstance(checked_reason, ValidationFailed):
        return checked_reason
    for _ in range(_ATTEMPTS):
        now = clock()
        async with engine.begin() as connection:
            row = await debts.find_debt_for_change(
                connection, company_id=company_id, public_id=public_id
            )
            if row is None:
                return DebtNotFound()
            record = row.stored.record
            if expected_version is not None and expected_version != record.version:
                return VersionConflict(record.version)
            current = DebtStatus(record.status)
            if target == current:
                return row.stored
            if transitions is not None:
                paused = record.held_from_status
                allowed = transitions.allowed(current, DebtStatus(paused) if paused else None)
                if target not in allowed:
                    return InvalidStatusTransition(current, target, allowed)
            held = current.value if target == DebtStatus.ON_HOLD else None
            after = dataclasses.replace(
                row.stored,
                record=dataclasses.replace(record, status=target.value, held_from_status=held),
            )
            written = await _write(
                connection,
                row,
                after,
                type=DebtEventType.STATUS_CHANGED,
                actor=actor,
                now=now,
                reader=Reader(await companies.zone_of(connection, record.company_id), policy),
                reason=checked_reason,
            )
            if written is not None:
                return written
            conflict = await _lost_race(connection, row, expected_version)
            if conflict is not None:
                return conflict
    assert row is not None  # every attempt read the debt, or returned
    return VersionConflict(row.stored.record.version + 1)


# --- eraseDebt -------------------------------------------------------------------------------


def erased(record: DebtRecord, *, now: datetime) -> DebtRecord:
    """The row without the debtor's personal data (SPEC section 11), archived."""
    return dataclasses.replace(
        record,
        firstname=ERASED_TEXT,
        lastname=ERASED_TEXT,
        civility=None,
        phone=None,
        email=None,
        birthdate=None,
        address=None,
        street_address=None,
        street_number=None,
        postal_code=None,
        city=None,
        iban=None,
        debtor_company=None,
        metadata=None,
        payment_link=None,
        destination_country=None,
        # Not in SPEC's lists either way: free text about the collection, which may name the
        # debtor, so it goes too.
        summary=None,
        status=DebtStatus.ARCHIVED.value,
        held_from_status=None,
        erased_at=now,
    )


async def erase_debt(
    engine: AsyncEngine,
    *,
    tenant: Tenant,
    actor: str,
    public_id: str,
    policy: IntakePolicy,
    clock: Clock,
) -> StoredDebt | DebtNotFound:
    """Erase the debtor's personal data for good: from the row, its past events, and the
    idempotency keys of the writes that created it. Erasing again changes nothing."""
    for _ in range(_ATTEMPTS):  # only a concurrent change of the debt makes this read again
        now = clock()
        async with engine.begin() as connection:
            row = await debts.find_debt_for_change(
                connection, company_id=tenant.id, public_id=public_id
            )
            if row is None:
                return DebtNotFound()
            record = row.stored.record
            if record.erased_at is not None:
                return row.stored
            await debt_events.scrub_events(
                connection, debt_key=row.key, personal_fields=PERSONAL_FIELDS
            )
            refs = [record.public_id]
            if record.import_id is not None:
                import_id = await imports.import_public_id(connection, key=record.import_id)
                refs += [import_id] if import_id else []
            await idempotency_keys.forget_inputs(connection, company_id=tenant.id, result_refs=refs)
            await webhook_events.scrub_debt(
                connection,
                company_id=tenant.id,
                debt_id=record.public_id,
                data=webhook_events.debt_data(
                    Reader(tenant.zone, policy).view(
                        dataclasses.replace(row.stored, record=erased(record, now=now))
                    )
                ),
            )
            after = dataclasses.replace(row.stored, record=erased(record, now=now))
            written = await _write(
                connection,
                row,
                after,
                type=DebtEventType.ERASED,
                actor=actor,
                now=now,
                reader=Reader(tenant.zone, policy),
            )
            if written is not None:
                return written
            # Another change got in first: read again (what was scrubbed stays scrubbed).
    raise RuntimeError(f"debt {public_id} kept changing while it was being erased")
