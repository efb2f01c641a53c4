"""The async engine, sessions, and bringing the schema up to date with Alembic."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, TypeAlias
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Connection, event, make_url, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.asyncio import AsyncSession as BaseAsyncSession
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant will do: it only has to be the same for every process migrating one database.
_MIGRATION_LOCK = 7_311_542_001


def create_engine(settings: Settings) -> AsyncEngine:
    """One engine per process: a pool on PostgreSQL, WAL and foreign keys on SQLite."""
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            connect_args={"timeout": settings.db_statement_timeout_seconds},
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {
        "timeout": settings.db_connect_timeout_seconds,
        "command_timeout": settings.db_statement_timeout_seconds,
        "server_settings": {
            "application_name": settings.db_application_name,
            # A client that vanished mid-transaction (crash, partition) must not keep
            # its rows, idempotency keys included, locked for others.
            "idle_in_transaction_session_timeout": str(
                int(settings.db_statement_timeout_seconds * 1000)
            ),
        },
    }
    if _is_local_without_tls_choice(make_url(settings.database_url)):
        # asyncpg's default, sslmode "prefer", asks every new connection for TLS first: a
        # round trip a loopback or socket server only refuses (or answers with TLS nobody
        # asked for). A DSN naming ssl or sslmode, or PGSSLMODE, keeps its own choice.
        connect_args["ssl"] = False
    engine = create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_overflow,
        pool_timeout=settings.db_connect_timeout_seconds,
        # A ping is a round trip (three with asyncpg: BEGIN, ";", ROLLBACK) on every checkout;
        # _discard_closed catches what a database restart leaves in the pool for free, and
        # SQLAlchemy drops the whole pool on the first disconnect error anyway.
        pool_pre_ping=False,
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine, "checkout", _discard_closed)
    return engine


def _is_local_without_tls_choice(url: URL) -> bool:
    """Whether the URL (and asyncpg's PGSSLMODE and PGHOST variables) leave TLS to the
    driver's default and name only a local server: a loopback address, localhost, or a unix
    socket directory."""
    if "ssl" in url.query or "sslmode" in url.query or "PGSSLMODE" in os.environ:
        return False
    hosts = [url.host] if url.host else []
    named = url.query.get("host")  # asyncpg's way to name a socket directory or hosts
    hosts += [named] if isinstance(named, str) else list(named or [])
    if not hosts:  # asyncpg then reads PGHOST, else tries the usual socket directories
        hosts = os.environ.get("PGHOST", "/run/postgresql").split(",")
    return all(_is_local_host(host.strip()) for host in hosts)


def _is_local_host(host: str) -> bool:
    if host.startswith("/") or host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _discard_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    # When PostgreSQL restarts it closes every session; asyncpg sees the socket close and
    # marks its connection closed, so a stale pooled connection is known without a ping.
    # The pool then opens a fresh one instead of failing the request.
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("pooled connection was closed by the server")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


# What services are handed to run statements on: a session (CLI, GraphQL resolvers), whose
# transaction they join, or a connection.
UnitOfWork: TypeAlias = BaseAsyncSession | AsyncConnection


async def connection_of(work: UnitOfWork) -> AsyncConnection:
    """The connection a unit of work runs its statements on (a session's, within its
    transaction)."""
    return work if isinstance(work, AsyncConnection) else await work.connection()


def autocommit(engine: AsyncEngine) -> AsyncConnection:
    """A pooled connection (`async with autocommit(engine) as connection`) whose every
    statement commits on its own: for single writes, which then need no BEGIN and COMMIT
    round trips. The engine's autocommit variant shares its pool and is made once."""
    variant = _AUTOCOMMIT.get(engine)
    if variant is None:
        variant = _AUTOCOMMIT[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return variant.connect()


_AUTOCOMMIT: WeakKeyDictionary[AsyncEngine, AsyncEngine] = WeakKeyDictionary()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Two servers starting together must not run the same migration twice.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the database schema to the newest revision."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
