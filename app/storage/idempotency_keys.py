"""The idempotency_key table: claiming a key, reading who holds it, letting expired ones go.

The unique constraint on (company, operation, key) decides between concurrent claims. A claim
is an INSERT ... ON CONFLICT DO NOTHING: it never raises on a taken key, so the transaction
it runs in stays usable (no rollback, nothing read before it expires). On PostgreSQL a claim
of a key that another open transaction has just inserted waits for that transaction to end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Insert, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from app.storage.models import IdempotencyKey

_TABLE: Table = IdempotencyKey.__table__  # type: ignore[attr-defined]
_C = _TABLE.c
_UNIQUE = [_C.company_id, _C.operation, _C.key]


@dataclass(frozen=True, slots=True)
class IdempotencyKeyRecord:
    id: int
    company_id: int
    operation: str
    key: str
    fingerprint: str  # of the input the key came with
    # The public id of what the write created; None: claimed, result not recorded yet.
    result_ref: str | None
    created_at: datetime
    expires_at: datetime


_COLUMNS = [_C.id, _C.company_id, _C.operation, _C.key, _C.fingerprint, _C.result_ref]
_COLUMNS += [_C.created_at, _C.expires_at]


def _insert_if_free(dialect_name: str) -> Insert:
    if dialect_name == "postgresql":
        return postgresql.insert(_TABLE).on_conflict_do_nothing(index_elements=_UNIQUE)
    if dialect_name == "sqlite":
        return sqlite.insert(_TABLE).on_conflict_do_nothing(index_elements=_UNIQUE)
    raise NotImplementedError(f"no idempotency keys on {dialect_name}")


_INSERTS = {name: _insert_if_free(name) for name in ("postgresql", "sqlite")}


async def insert_key(
    connection: AsyncConnection,
    *,
    company_id: int,
    operation: str,
    key: str,
    fingerprint: str,
    result_ref: str | None,
    created_at: datetime,
    expires_at: datetime,
) -> bool:
    """Insert the key row in the connection's transaction; False when the key is taken."""
    result = await connection.execute(
        _INSERTS[connection.dialect.name],
        {
            "company_id": company_id,
            "operation": operation,
            "key": key,
            "fingerprint": fingerprint,
            "result_ref": result_ref,
            "created_at": created_at,
            "expires_at": expires_at,
        },
    )
    return bool(result.rowcount)


async def find_key(
    connection: AsyncConnection, *, company_id: int, operation: str, key: str
) -> IdempotencyKeyRecord | None:
    row = (
        await connection.execute(
            select(*_COLUMNS).where(
                _C.company_id == company_id, _C.operation == operation, _C.key == key
            )
        )
    ).first()
    return None if row is None else IdempotencyKeyRecord(*row)


async def delete_key(connection: AsyncConnection, record: IdempotencyKeyRecord) -> None:
    """Delete that very row (not a later claim of the same key), in the transaction."""
    await connection.execute(delete(_TABLE).where(_C.id == record.id))


async def release_key(
    connection: AsyncConnection, *, company_id: int, operation: str, key: str
) -> None:
    """Give back a key this transaction claimed: it commits with no key row."""
    await connection.execute(
        delete(_TABLE).where(_C.company_id == company_id, _C.operation == operation, _C.key == key)
    )


async def purge_expired(connection: AsyncConnection, *, now: datetime, limit: int) -> int:
    """Delete up to `limit` expired keys of any company, in the connection's transaction.

    Rows another transaction holds are skipped, not waited for (PostgreSQL): the purge itself
    never waits, so it cannot take part in a deadlock.
    """
    if limit <= 0:
        return 0
    expired = (
        select(_C.id).where(_C.expires_at <= now).limit(limit).with_for_update(skip_locked=True)
    )
    result = await connection.execute(delete(_TABLE).where(_C.id.in_(expired.scalar_subquery())))
    return int(result.rowcount or 0)


# What a key keeps of a write's input once that input's personal data is erased: no digest
# of it (a digest of a phone number can be matched by trying numbers). Any reuse of the key
# then answers as a different input would.
ERASED_FINGERPRINT = "erased"


async def forget_inputs(
    connection: AsyncConnection, *, company_id: int, result_refs: list[str]
) -> None:
    """Drop the input digest of the company's keys whose write made one of `result_refs`."""
    await connection.execute(
        update(_TABLE)
        .where(_C.company_id == company_id, _C.result_ref.in_(result_refs))
        .values(fingerprint=ERASED_FINGERPRINT)
    )
