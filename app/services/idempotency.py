"""Idempotency keys: claim a key for a write, or find what it already did (SPEC section 8).

The claim is the first write of the transaction that does the work, and both commit together:
a crash in between leaves neither. Two requests with one key cannot both claim it, whichever
worker or server they reach (app/storage/idempotency_keys.py): on PostgreSQL the second waits
for the first's transaction, then answers with its result, or claims the key if it rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.domain.idempotency import KeyPolicy
from app.storage import idempotency_keys
from app.storage.db import UnitOfWork, connection_of

CREATE_DEBT = "createDebt"
CREATE_DEBTS = "createDebts"

# A claim is tried again when the row it collided with has gone by the time it is read (its
# holder rolled back or released it) or had expired; past this, something else is wrong.
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
    work: UnitOfWork,
    *,
    company_id: int,
    request: KeyedRequest,
    result_ref: str | None,
    now: datetime,
    policy: KeyPolicy,
) -> ClaimOutcome:
    """Insert the key row in the transaction, or say why the write must not happen.

    On Claimed the key row is written but not committed; the caller commits it with its work.
    Nothing is rolled back either way: what the transaction read before stays valid.
    """
    connection = await connection_of(work)
    for _ in range(_CLAIM_ATTEMPTS):
        claimed = await idempotency_keys.insert_key(
            connection,
            company_id=company_id,
            operation=request.operation,
            key=request.key,
            fingerprint=request.fingerprint,
            result_ref=result_ref,
            created_at=now,
            expires_at=now + policy.retention,
        )
        if claimed:
            await idempotency_keys.purge_expired(connection, now=now, limit=policy.purge_batch)
            return Claimed()
        existing = await idempotency_keys.find_key(
            connection, company_id=company_id, operation=request.operation, key=request.key
        )
        if existing is None:
            continue  # its holder rolled back or released it in the meantime: try again
        if existing.expires_at <= now:
            # Expired: the key is free again. Its row goes in this same transaction, so a
            # concurrent claim waits for it, then sees this transaction's new row.
            await idempotency_keys.delete_key(connection, existing)
            continue
        if existing.fingerprint != request.fingerprint:
            return KeyConflict()
        if existing.result_ref is None:
            return KeyInProgress()
        return Replay(existing.result_ref)
    return KeyInProgress()


async def release_key(work: UnitOfWork, *, company_id: int, request: KeyedRequest) -> None:
    """Give back a key claimed in this transaction: the write kept no result worth a key."""
    await idempotency_keys.release_key(
        await connection_of(work),
        company_id=company_id,
        operation=request.operation,
        key=request.key,
    )


async def purge_expired_keys(work: UnitOfWork, *, now: datetime, limit: int) -> int:
    """Delete up to `limit` expired keys of any company, in the transaction (the CLI's purge)."""
    return await idempotency_keys.purge_expired(await connection_of(work), now=now, limit=limit)
