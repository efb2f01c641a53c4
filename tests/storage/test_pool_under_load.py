"""The connection pool under more concurrent requests than it has connections (PostgreSQL).

A real HTTP server (one uvicorn worker) drives createDebt at a concurrency several times its
pool: every answer must be a stored debt, nothing may be logged at ERROR, and the server may
never hold more connections than its pool allows (read from PostgreSQL's pg_stat_activity).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.http.app import create_app
from tests.utils.api import Api
from tests.utils.clock import Clock
from tests.utils.live_server import live_server
from tests.utils.load import run_load

REQUESTS = 300


@dataclass
class Connections:
    """The most connections PostgreSQL showed for one application_name while sampling."""

    most: int = 0
    samples: int = 0
    pids: set[int] = field(default_factory=set)


@contextlib.asynccontextmanager
async def sampled(engine: AsyncEngine, application_name: str) -> AsyncIterator[Connections]:
    """Count the server's backends in pg_stat_activity, over and over, until the block ends."""
    seen = Connections()
    query = text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")

    async def sample() -> None:
        # Autocommit: within one transaction PostgreSQL shows the same snapshot of the view.
        async with engine.connect() as plain:
            connection = await plain.execution_options(isolation_level="AUTOCOMMIT")
            while True:
                pids = (await connection.execute(query, {"name": application_name})).scalars()
                current = set(pids)
                seen.most, seen.samples = max(seen.most, len(current)), seen.samples + 1
                seen.pids |= current
                await asyncio.sleep(0.005)  # a sampling interval, not a wait for a condition

    task = asyncio.create_task(sample())
    try:
        yield seen
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@dataclass
class LoadRun:
    bodies: list[dict[str, Any]]
    connections: Connections
    connects: int  # connections the server's pool opened during the load
    errors: list[logging.LogRecord]


async def drive_create_debt(
    api: Api, settings: Settings, clock: Clock, *, concurrency: int
) -> LoadRun:
    """REQUESTS createDebt calls at `concurrency` against a live server with these settings.

    The server runs in a thread here, so its pool can be watched; the load comes from a child
    process, so it does not take the server's interpreter away from it.
    """
    application = create_app(settings, clock=clock)
    errors: list[logging.LogRecord] = []
    handler = _Collect(errors)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with live_server(application) as url:
            server_engine: AsyncEngine = application.state.runtime.engine
            connects = 0

            def counted(*_: object) -> None:
                nonlocal connects
                connects += 1

            event.listen(server_engine.sync_engine, "connect", counted)
            async with sampled(api.runtime.engine, settings.db_application_name) as seen:
                async with asyncio.timeout(120):
                    bodies = await run_load(
                        url, api.token, requests=REQUESTS, concurrency=concurrency
                    )
            event.remove(server_engine.sync_engine, "connect", counted)
    finally:
        root.removeHandler(handler)
    return LoadRun(bodies, seen, connects, errors)


class _Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self._into = into

    def emit(self, record: logging.LogRecord) -> None:
        self._into.append(record)


def postgres_settings(settings: Settings, **changes: Any) -> Settings:
    if settings.is_sqlite:
        pytest.skip("pg_stat_activity and the connection pool are PostgreSQL's")
    name = f"pool-test-{uuid.uuid4().hex[:8]}"  # this server's backends, no one else's
    return settings.model_copy(update={"db_application_name": name, **changes})


def assert_every_answer_is_a_stored_debt(run: LoadRun) -> None:
    assert [body for body in run.bodies if not isinstance(body, dict) or "errors" in body] == []
    answers = [body["data"]["createDebt"] for body in run.bodies]
    assert {answer["__typename"] for answer in answers} == {"Debt"}
    assert len({answer["id"] for answer in answers}) == REQUESTS


async def test_a_small_pool_holds_at_four_times_its_size(
    api: Api, settings: Settings, clock: Clock
) -> None:
    small = postgres_settings(settings, db_pool_size=5, db_pool_overflow=5)
    most = small.db_pool_size + small.db_pool_overflow

    run = await drive_create_debt(api, small, clock, concurrency=4 * most)

    assert [record.getMessage() for record in run.errors] == []
    assert_every_answer_is_a_stored_debt(run)
    assert await api.debt_count() == REQUESTS
    assert run.connections.samples > 10
    assert 0 < run.connections.most <= most


async def test_default_settings_serve_32_at_once_on_connections_they_keep(
    api: Api, settings: Settings, clock: Clock
) -> None:
    defaults = postgres_settings(settings)
    most = defaults.db_pool_size + defaults.db_pool_overflow

    run = await drive_create_debt(api, defaults, clock, concurrency=32)

    assert [record.getMessage() for record in run.errors] == []
    assert_every_answer_is_a_stored_debt(run)
    assert await api.debt_count() == REQUESTS
    # Opened once and kept: not one connection per request, nor per burst.
    print(
        "STATS",
        run.connects,
        run.connections.most,
        len(run.connections.pids),
        run.connections.samples,
    )
    assert run.connects <= most
    assert len(run.connections.pids) <= most
    assert 0 < run.connections.most <= most
