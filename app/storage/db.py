"""The async engine, sessions, and bringing the schema up to date with Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
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
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_connect_timeout_seconds,
        pool_pre_ping=False,
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            "command_timeout": settings.db_statement_timeout_seconds,
            "server_settings": {"application_name": "debt-intake-api"},
        },
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


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
