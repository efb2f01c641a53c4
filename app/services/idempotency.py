"""Idempotency keys in the database: claim a key for a write, or find what it already did.

The unique constraint on (company, operation, key) decides between concurrent requests, so
the guarantee holds across workers and servers. The claiming INSERT is the first write of the
transaction that does the work, and both commit together: a crash in between leaves neither.
On PostgreSQL a second INSERT of a key still held by an open transaction waits for that
transaction to end (SQLite waits on its write lock), then fails on the constraint if the first
committed, or succeeds if it rolled back: a concurrent retry waits for the first request and
then answers with its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.idempotency import KeyPolicy
from app.storage.models import IdempotencyKey

CREATE_DEBT = "createDebt"
CREATE_DEBTS = "createDebts"

# A failed claim is retried when the row it collided with has gone by the time it is read
# (the holder rolled back, or the row had expired); past this, something else is wrong.
_CLAIM_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class KeyedRequest:
    """A write sent with an idempotency key: which operation, the key, the input's fingerprint."""

    operation: str
    key: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Claimed:
    """The key is ours: the caller does its writes and commits them with the key row."""


@dataclass(frozen=True, slots=True)
class Replay:
    """The key already did this write with the same input: answer with its result again."""

    result_ref: str


@dataclass(frozen=True, slots=True)
class KeyConflict:
    """The key was used with a different input; nothing is written."""


@dataclass(frozen=True, slots=True)
class KeyInProgress:
    """The key is taken but its result is not recorded; the client should retry later."""


ClaimOutcome = Claimed | Replay | KeyConflict | KeyInProgress


async def claim_key(
    session: AsyncSession,
    *,
    company_id: int,
    request: KeyedRequest,
    result_ref: str | None,
    now: datetime,
    policy: KeyPolicy,
) -> ClaimOutcome:
    """Insert the key row in the session's transaction, or say why the write must not happen.

    Call it before the transaction writes anything else: a collision rolls the session back.
    On Claimed the key row is written but not committed; the caller commits it with its work.
    """
    for _ in range(_CLAIM_ATTEMPTS):
        connection = await session.connection()
        try:
            await connection.execute(
                insert(IdempotencyKey).values(
                    company_id=company_id,
                    operation=request.operation,
                    key=request.key,
                    fingerprint=request.fingerprint,
                    result_ref=result_ref,
                    created_at=now,
                    expires_at=now + policy.retention,
                )
            )
        except IntegrityError:
            await session.rollback()
        else:
            await purge_expired_keys(session, now=now, limit=policy.purge_batch)
            return Claimed()
        existing = await _find(session, company_id=company_id, request=request)
        if existing is None:
            continue  # its holder rolled back in the meantime: try again
        if existing.expires_at <= now:
            # Expired: the key is free again. Its own short transaction, then claim anew.
            connection = await session.connection()
            await connection.execute(
                delete(IdempotencyKey).where(col(IdempotencyKey.id) == existing.id)
            )
            await session.commit()
            continue
        if existing.fingerprint != request.fingerprint:
            return KeyConflict()
        if existing.result_ref is None:
            return KeyInProgress()
        return Replay(existing.result_ref)
    return KeyInProgress()


async def _find(
    session: AsyncSession, *, company_id: int, request: KeyedRequest
) -> IdempotencyKey | None:
    return (
        await session.exec(
            select(IdempotencyKey).where(
                col(IdempotencyKey.company_id) == company_id,
                col(IdempotencyKey.operation) == request.operation,
                col(IdempotencyKey.key) == request.key,
            )
        )
    ).first()


async def purge_expired_keys(session: AsyncSession, *, now: datetime, limit: int) -> int:
    """Delete up to `limit` expired keys of any company, in the session's transaction.

    Rows another transaction holds are skipped, not waited for (PostgreSQL): the purge itself
    never waits, so it cannot take part in a deadlock.
    """
    if limit <= 0:
        return 0
    expired = (
        select(IdempotencyKey.id)
        .where(col(IdempotencyKey.expires_at) <= now)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    connection = await session.connection()
    result = await connection.execute(
        delete(IdempotencyKey).where(col(IdempotencyKey.id).in_(expired.scalar_subquery()))
    )
    return int(result.rowcount or 0)
