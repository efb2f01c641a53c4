"""The debt_import table: one row per createDebts call, read back to replay its answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.storage.models import DebtImport

_TABLE: Table = DebtImport.__table__  # type: ignore[attr-defined]
_C = _TABLE.c


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One import; `id` is the database key its debts refer to, never shown to callers."""

    id: int
    public_id: str
    company_id: int
    name: str
    total: int
    created: int
    failed: int
    # Which input item became which debt, and why the others failed (see app/services/imports).
    outcome: dict[str, Any]
    created_at: datetime


_COLUMNS = [_C.id, _C.public_id, _C.company_id, _C.name, _C.total, _C.created, _C.failed]
_COLUMNS += [_C.outcome, _C.created_at]


async def insert_import(
    connection: AsyncConnection,
    *,
    public_id: str,
    company_id: int,
    name: str,
    total: int,
    created: int,
    failed: int,
    outcome: dict[str, Any],
    created_at: datetime,
) -> ImportRecord:
    """The import row, in the connection's transaction; the record with its new key."""
    values = {
        "public_id": public_id,
        "company_id": company_id,
        "name": name,
        "total": total,
        "created": created,
        "failed": failed,
        "outcome": outcome,
        "created_at": created_at,
    }
    key = (await connection.execute(insert(_TABLE).returning(_C.id), values)).scalar_one()
    return ImportRecord(
        id=key,
        public_id=public_id,
        company_id=company_id,
        name=name,
        total=total,
        created=created,
        failed=failed,
        outcome=outcome,
        created_at=created_at,
    )


async def find_import(
    connection: AsyncConnection, *, company_id: int, public_id: str
) -> ImportRecord | None:
    """The company's import with that public id, else None."""
    row = (
        await connection.execute(
            select(*_COLUMNS).where(_C.public_id == public_id, _C.company_id == company_id)
        )
    ).first()
    return None if row is None else ImportRecord(*row)


async def import_public_id(connection: AsyncConnection, *, key: int) -> str | None:
    """The public id of the import with that database key."""
    value = await connection.scalar(select(_C.public_id).where(_C.id == key))
    return None if value is None else str(value)
