"""Alembic environment: runs on the connection handed over by app.storage.db.migrate."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import app.storage.models  # noqa: F401 - registers the tables on SQLModel.metadata
from app.config import Settings
from app.storage.db import create_engine

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_standalone() -> None:
    # `alembic` invoked by hand (e.g. for autogenerate): connect with DATABASE_URL.
    engine = create_engine(Settings())
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is None:
    asyncio.run(_run_standalone())
else:
    _run(connection)
