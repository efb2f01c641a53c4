"""Batch import (createDebts): every item checked as createDebt checks it, valid ones stored."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain import fields as rules
from app.domain.debts import DebtInput, ExpensiveDestination, IntakePolicy, ValidDebt
from app.domain.errors import FieldError, ValidationCode
from app.services.debts import (
    INSERT_DEBT,
    Clock,
    DebtView,
    ValidationFailed,
    check_debt,
    debt_record,
)
from app.services.tenants import Tenant
from app.services.timelines import find_usable_timelines
from app.storage import ids
from app.storage.models import DebtImport

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


def _check_batch(items: Sequence[ImportItem], batch_name: str | None) -> list[FieldError]:
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
    return errors


async def import_debts(
    session: AsyncSession,
    *,
    tenant: Tenant,
    items: Sequence[ImportItem],
    batch_name: str | None,
    accept_expensive_destination: bool,
    policy: IntakePolicy,
    clock: Clock,
) -> ImportOutcome | ValidationFailed:
    """Check every item, then store the valid ones and the import in one transaction."""
    batch_errors = _check_batch(items, batch_name)
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

    timelines = await find_usable_timelines(
        session, tenant=tenant, public_ids=(debt.timeline_id for _, _, debt in valid)
    )
    record = DebtImport(
        public_id=ids.new_public_id(ids.IMPORT),
        company_id=tenant.id,
        name=rules.clean_text(batch_name) or default_batch_name(now, tenant),
        total=len(items),
        created=len(valid),
        failed=len(failed),
        created_at=now,
    )
    session.add(record)
    await session.flush()
    created: list[CreatedItem] = []
    rows: list[dict[str, Any]] = []
    for index, item, debt in valid:
        timeline = timelines.get(debt.timeline_id) if debt.timeline_id else None
        row = debt_record(debt, tenant=tenant, timeline=timeline, now=now, import_id=record.id)
        rows.append(row)
        timeline_id = timeline.public_id if timeline else None
        view = DebtView(row, timeline_id, debt.destination, tenant.zone)
        created.append(CreatedItem(index, item.temp_id, view))
    if rows:
        connection = await session.connection()
        await connection.execute(INSERT_DEBT, rows)  # one executemany, not a loop of INSERTs
    await session.commit()
    return ImportOutcome(record.public_id, record.name, created, failed)
