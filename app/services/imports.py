"""Batch import (createDebts): every item checked as createDebt checks it, valid ones stored."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain import fields as rules
from app.domain.debts import DebtInput, ExpensiveDestination, IntakePolicy, ValidDebt
from app.domain.destinations import Destination, DestinationTier
from app.domain.errors import FieldError, ValidationCode
from app.domain.idempotency import DEFAULT_KEY_POLICY, KeyPolicy, check_key, fingerprint
from app.domain.webhooks import EventType
from app.services import webhook_events
from app.services.debts import (
    Clock,
    DebtView,
    ValidationFailed,
    check_debt,
    created_event,
    new_debt_record,
    new_debt_view,
)
from app.services.idempotency import (
    CREATE_DEBTS,
    KeyConflict,
    KeyedRequest,
    KeyInProgress,
    Replay,
    claim_key,
    release_key,
)
from app.services.tenants import Tenant
from app.services.timelines import find_usable_timelines
from app.services.webhook_events import Event, debt_data
from app.storage import debts, ids, imports
from app.storage.db import UnitOfWork, connection_of

MAX_BATCH_SIZE = 1000


@dataclass(frozen=True, slots=True)
class ImportItem:
    debt: DebtInput
    temp_id: str | None = None


@dataclass(frozen=True, slots=True)
class CreatedItem:
    index: int
    temp_id: str | None
    debt: DebtView


@dataclass(frozen=True, slots=True)
class FailedItem:
    index: int
    temp_id: str | None
    reason: ValidationFailed | ExpensiveDestination


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    import_id: str
    batch_name: str
    created: list[CreatedItem]
    failed: list[FailedItem]

    @property
    def total(self) -> int:
        return len(self.created) + len(self.failed)


def default_batch_name(now: datetime, tenant: Tenant) -> str:
    return now.astimezone(tenant.zone).strftime("API Batch - %d/%m/%Y %H:%M")


def _check_batch(
    items: Sequence[ImportItem], batch_name: str | None, key: str | FieldError | None
) -> list[FieldError]:
    errors = []
    if not items:
        errors.append(FieldError("debts", ValidationCode.REQUIRED, "give at least one debt"))
    elif len(items) > MAX_BATCH_SIZE:
        errors.append(
            FieldError(
                "debts",
                ValidationCode.TOO_LONG,
                f"at most {MAX_BATCH_SIZE} debts per batch, got {len(items)}",
            )
        )
    name = rules.clean_text(batch_name)
    if name is not None:
        problem = rules.text(rules.NAME_MAX)(name)
        if not isinstance(problem, str):
            errors.append(FieldError("batchName", problem.code, problem.message))
    if isinstance(key, FieldError):
        errors.append(key)
    return errors


async def import_debts(
    work: UnitOfWork,
    *,
    tenant: Tenant,
    items: Sequence[ImportItem],
    batch_name: str | None,
    accept_expensive_destination: bool,
    policy: IntakePolicy,
    clock: Clock,
    actor: str,
    idempotency_key: str | None = None,
    key_policy: KeyPolicy = DEFAULT_KEY_POLICY,
) -> ImportOutcome | ValidationFailed | KeyConflict | KeyInProgress:
    """Check every item, then store the valid ones and the import in one transaction.

    With an idempotency key, the key row commits with the import, and a key that already
    imported the same batch answers with that first import again. A batch that created no
    debt keeps no key (SPEC section 8): the corrected batch may be sent with the same key.
    """
    key = check_key(idempotency_key)
    batch_errors = _check_batch(items, batch_name, key)
    if batch_errors:
        return ValidationFailed(batch_errors)
    now = clock()
    valid: list[tuple[int, ImportItem, ValidDebt]] = []
    failed: list[FailedItem] = []
    for index, item in enumerate(items):
        raw = item.debt
        if accept_expensive_destination and not raw.accept_expensive_destination:
            raw = dataclasses.replace(raw, accept_expensive_destination=True)
        checked = check_debt(raw, tenant=tenant, policy=policy, now=now)
        if isinstance(checked, ValidDebt):
            valid.append((index, item, checked))
        else:
            failed.append(FailedItem(index, item.temp_id, checked))

    connection = await connection_of(work)
    import_id = ids.new_public_id(ids.IMPORT)
    keyed: KeyedRequest | None = None
    if isinstance(key, str):
        request = {
            "batch_name": batch_name,
            "accept_expensive_destination": accept_expensive_destination,
            "items": list(items),
        }
        keyed = KeyedRequest(CREATE_DEBTS, key, fingerprint(request))
        claimed = await claim_key(
            connection,
            company_id=tenant.id,
            request=keyed,
            result_ref=import_id,
            now=now,
            policy=key_policy,
        )
        if isinstance(claimed, Replay):
            return await _replay(
                connection, tenant=tenant, import_id=claimed.result_ref, policy=policy
            )
        if isinstance(claimed, KeyConflict | KeyInProgress):
            return claimed
        if not valid:  # nothing created: the answer stands, the key stays free
            await release_key(connection, company_id=tenant.id, request=keyed)

    timelines = await find_usable_timelines(
        connection, tenant=tenant, public_ids=(debt.timeline_id for _, _, debt in valid)
    )
    # Public ids first, so the import row is written once, with its outcome, before its debts.
    debt_ids = [ids.new_public_id(ids.DEBT) for _ in valid]
    outcome = _outcome_json(
        [
            (index, item.temp_id, debt_id)
            for (index, item, _), debt_id in zip(valid, debt_ids, strict=True)
        ],
        failed,
    )
    stored = await imports.insert_import(
        connection,
        public_id=import_id,
        company_id=tenant.id,
        name=rules.clean_text(batch_name) or default_batch_name(now, tenant),
        total=len(items),
        created=len(valid),
        failed=len(failed),
        outcome=outcome,
        created_at=now,
    )
    created: list[CreatedItem] = []
    records = []
    for (index, item, debt), debt_id in zip(valid, debt_ids, strict=True):
        timeline = timelines.get(debt.timeline_id) if debt.timeline_id else None
        record = new_debt_record(
            debt, tenant=tenant, timeline=timeline, now=now, import_id=stored.id, public_id=debt_id
        )
        records.append(record)
        created.append(
            CreatedItem(index, item.temp_id, new_debt_view(record, timeline, debt, tenant))
        )
    await debts.insert_debts_with_events(  # one COPY, not a loop, and one for the events
        connection,
        records,
        [created_event(record, actor) for record in records],
        import_id=stored.id,
    )
    # debt.created for each debt (as createDebt would), then the import's summary.
    await webhook_events.queue_events(
        connection,
        tenant.id,
        [
            *(Event(EventType.DEBT_CREATED, debt_data(item.debt)) for item in created),
            Event(
                EventType.DEBT_IMPORT_COMPLETED,
                {
                    "importId": stored.public_id,
                    "batchName": stored.name,
                    "summary": {"total": stored.total, "created": stored.created}
                    | {"failed": stored.failed},
                    "debtIds": [item.debt.record.public_id for item in created],
                },
            ),
        ],
        now,
    )
    await work.commit()
    return ImportOutcome(stored.public_id, stored.name, created, failed)


def _outcome_json(
    created: list[tuple[int, str | None, str]], failed: list[FailedItem]
) -> dict[str, Any]:
    def failure(reason: ValidationFailed | ExpensiveDestination) -> dict[str, Any]:
        if isinstance(reason, ExpensiveDestination):
            destination = dataclasses.asdict(reason.destination)
            return {"destination": {**destination, "tier": reason.destination.tier.value}}
        return {"fields": [[e.field, e.code.value, e.message] for e in reason.errors]}

    return {
        "created": [[index, temp_id, debt_id] for index, temp_id, debt_id in created],
        "failed": [[f.index, f.temp_id, failure(f.reason)] for f in failed],
    }


def _failure(data: dict[str, Any]) -> ValidationFailed | ExpensiveDestination:
    if "destination" in data:
        destination = dict(data["destination"])
        destination["tier"] = DestinationTier(destination["tier"])
        return ExpensiveDestination(Destination(**destination))
    return ValidationFailed(
        [
            FieldError(field, ValidationCode(code), message)
            for field, code, message in data["fields"]
        ]
    )


async def _replay(
    work: UnitOfWork, *, tenant: Tenant, import_id: str, policy: IntakePolicy
) -> ImportOutcome:
    """The first answer of an import, rebuilt from what it stored."""
    connection = await connection_of(work)
    record = await imports.find_import(connection, company_id=tenant.id, public_id=import_id)
    if record is None:  # keys are only ever stored with the import they created
        raise LookupError(f"idempotency key refers to a missing import {import_id}")
    stored = await debts.debts_of_import(connection, company_id=tenant.id, import_id=record.id)
    by_id = {
        debt.record.public_id: DebtView.of(debt, tenant=tenant, policy=policy) for debt in stored
    }
    created = [
        CreatedItem(index, temp_id, by_id[public_id])
        for index, temp_id, public_id in record.outcome["created"]
    ]
    failed = [
        FailedItem(index, temp_id, _failure(data))
        for index, temp_id, data in record.outcome["failed"]
    ]
    return ImportOutcome(record.public_id, record.name, created, failed)
