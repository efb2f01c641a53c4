"""A write that dies between the debt's INSERT and COMMIT leaves nothing, and its retry works."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text
from sqlmodel import col

from app.runtime import Runtime
from app.services.companies import find_company_key
from app.storage.models import IdempotencyKey
from tests.utils.api import CREATE_DEBT, VALID_DEBT, Api

# PostgreSQL: a deferred constraint trigger runs at COMMIT, after both INSERTs, and kills its
# own server process there: the connection dies mid-commit, as when the server crashes.
_POSTGRES_FAILURE = [
    """
    CREATE FUNCTION crash_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_terminate_backend(pg_backend_pid());
      RETURN NULL;
    END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER crash_at_commit AFTER INSERT ON debt
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.company_id = {company}) EXECUTE FUNCTION crash_at_commit()
    """,
]
_POSTGRES_REPAIR = [
    "DROP TRIGGER IF EXISTS crash_at_commit ON debt",
    "DROP FUNCTION IF EXISTS crash_at_commit()",
]
# SQLite has no deferred triggers: the debt's INSERT itself succeeds, then its trigger rolls
# the whole transaction back, before the COMMIT the service was about to send.
_SQLITE_FAILURE = [
    """
    CREATE TRIGGER crash_at_commit AFTER INSERT ON debt WHEN NEW.company_id = {company}
    BEGIN SELECT RAISE(ROLLBACK, 'injected failure after the debt insert'); END
    """,
]
_SQLITE_REPAIR = ["DROP TRIGGER IF EXISTS crash_at_commit"]


@pytest.fixture
async def failing_writes(api: Api) -> AsyncIterator[Runtime]:
    """Every debt INSERT of this test's company fails before it commits, until repaired."""
    runtime = api.runtime
    async with runtime.sessions() as session:
        company = await find_company_key(session, api.company_id)
    failure = _SQLITE_FAILURE if runtime.settings.is_sqlite else _POSTGRES_FAILURE
    async with runtime.engine.begin() as connection:
        for statement in failure:
            await connection.execute(text(statement.format(company=company)))
    try:
        yield runtime
    finally:
        await repair_writes(runtime)


async def repair_writes(runtime: Runtime) -> None:
    statements = _SQLITE_REPAIR if runtime.settings.is_sqlite else _POSTGRES_REPAIR
    async with runtime.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def keys_of(api: Api) -> int:
    async with api.runtime.sessions() as session:
        company = await find_company_key(session, api.company_id)
    async with api.runtime.engine.connect() as connection:
        count = await connection.scalar(
            select(func.count())
            .select_from(IdempotencyKey)
            .where(col(IdempotencyKey.company_id) == company)
        )
    return int(count or 0)


async def test_failure_before_commit_keeps_neither_key_nor_debt(
    api: Api, failing_writes: Runtime
) -> None:
    variables = {"input": VALID_DEBT, "key": "crash-then-retry"}

    body = await api.gql(CREATE_DEBT, variables)

    assert body["data"] is None, body
    [error] = body["errors"]
    # A killed connection is an outage; a failed statement on SQLite is a plain fault.
    expected = "INTERNAL" if failing_writes.settings.is_sqlite else "SERVICE_UNAVAILABLE"
    assert error["extensions"] == {"code": expected}
    assert "injected" not in error["message"] and "terminat" not in error["message"]
    assert await api.debt_count() == 0
    assert await keys_of(api) == 0

    await repair_writes(failing_writes)
    retried = await api.create_debt(VALID_DEBT, key="crash-then-retry")
    again = await api.create_debt(VALID_DEBT, key="crash-then-retry")

    assert retried["__typename"] == "Debt"
    assert again["id"] == retried["id"]
    assert await api.debt_count() == 1
    assert await keys_of(api) == 1
