"""The database goes away and comes back: clear errors meanwhile, no restart needed after."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.runtime import Runtime
from app.storage.db import migrate
from tests.conftest import TEST_SECRET
from tests.utils.api import CREATE_DEBT, DEBT, VALID_DEBT, Api
from tests.utils.factories import make_client
from tests.utils.live import LiveServer, live_server
from tests.utils.postgres_cluster import PostgresCluster, postgres_bin

# SERVICE_UNAVAILABLE must come quickly, not after the client's own timeout.
ANSWER_WITHIN_SECONDS = 10.0

pytestmark = pytest.mark.skipif(
    postgres_bin() is None, reason="no PostgreSQL server binaries (initdb, pg_ctl) installed"
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    created = PostgresCluster.create()
    try:
        created.start()
        yield created
    finally:
        created.destroy()


@pytest.fixture(scope="module")
async def runtime(cluster: PostgresCluster) -> AsyncIterator[Runtime]:
    runtime = Runtime.start(Settings(database_url=cluster.url, secret_key=TEST_SECRET))
    await migrate(runtime.engine)
    yield runtime
    await runtime.stop()


@pytest.fixture(scope="module")
def server(cluster: PostgresCluster, runtime: Runtime) -> Iterator[LiveServer]:
    with live_server(cluster.url, TEST_SECRET) as running:
        yield running


@pytest.fixture(scope="module")
async def caller(server: LiveServer, runtime: Runtime) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        yield await Api.for_new_company(http, runtime)


def unavailable(body: dict[str, Any]) -> None:
    """The outage error, and nothing more: no trace, no driver message."""
    [error] = body["errors"]
    # No data when refused before execution, null where the field is nullable.
    assert body.get("data", "absent") == ("absent" if "path" not in error else body["data"])
    assert body.get("data") in (None, {"debt": None}), body
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE"}, body
    assert error["message"] == "The service is temporarily unavailable; retry shortly"
    # Raised by the resolver (with path and locations) or, when the rate limiter is the first
    # to reach the database, before any field runs (without them): never anything more.
    assert {"message", "extensions"} <= set(error) <= {"message", "locations", "path", "extensions"}


async def timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    async with asyncio.timeout(30):
        result = await call
    return result, time.monotonic() - started


async def test_stopped_database_is_unavailable_then_recovered_without_restart(
    cluster: PostgresCluster, server: LiveServer, caller: Api
) -> None:
    before = await caller.create_debt(VALID_DEBT)
    assert before["__typename"] == "Debt"
    client = await make_client(caller.runtime, caller.company_id)
    credentials = {
        "grant_type": "client_credentials",
        "client_id": client.client_id,
        "client_secret": client.client_secret,
    }
    await caller.runtime.engine.dispose()  # the test's own pool: not the server's

    await asyncio.to_thread(cluster.stop)

    # The first request meets a pooled connection the shutdown closed, the next ones a
    # refused connect: both are outages, each answered at once.
    for variables in (
        {"input": VALID_DEBT},
        {"input": VALID_DEBT, "key": "during-outage"},
    ):
        body, seconds = await timed(caller.gql(CREATE_DEBT, variables))
        unavailable(body)
        assert seconds < ANSWER_WITHIN_SECONDS
    body, seconds = await timed(caller.gql(DEBT, {"id": before["id"]}))
    unavailable(body)
    health, seconds = await timed(caller.http.get("/health"))
    assert health.status_code == 503
    assert health.json() == {"status": "degraded", "database": "unreachable"}
    assert seconds < ANSWER_WITHIN_SECONDS
    token, seconds = await timed(caller.http.post("/token", data=credentials))
    assert token.status_code == 503
    assert token.json()["error"] == "temporarily_unavailable"
    assert seconds < ANSWER_WITHIN_SECONDS
    assert server.is_running(), server.log()

    await asyncio.to_thread(cluster.start)

    after = await caller.create_debt(VALID_DEBT, key="during-outage")
    assert after["__typename"] == "Debt"
    assert (await caller.create_debt(VALID_DEBT, key="during-outage"))["id"] == after["id"]
    assert (await caller.http.get("/health")).status_code == 200
    assert (await caller.http.post("/token", data=credentials)).status_code == 200
    assert await caller.debt_count() == 2
    assert server.is_running()


async def test_an_outage_is_logged_once_per_interval_not_per_request(
    cluster: PostgresCluster, server: LiveServer, caller: Api
) -> None:
    assert (await caller.create_debt(VALID_DEBT))["__typename"] == "Debt"
    logged_before = len(server.log().splitlines())

    await asyncio.to_thread(cluster.stop)
    try:
        for _ in range(20):
            unavailable(await caller.gql(CREATE_DEBT, {"input": VALID_DEBT}))
    finally:
        await asyncio.to_thread(cluster.start)

    lines = server.log().splitlines()[logged_before:]
    # At most one line per interval and thing unavailable (the database, the rate-limit
    # counters on it); none when an earlier test's outage was logged under 10 s ago.
    assert len([line for line in lines if "unavailable" in line]) <= 2, lines
    assert "unavailable (ConnectionRefusedError)" in server.log()
    assert not [line for line in lines if "Traceback" in line or '"exception"' in line], lines
    assert (await caller.create_debt(VALID_DEBT))["__typename"] == "Debt"


async def test_a_restart_while_idle_costs_no_request(
    cluster: PostgresCluster, server: LiveServer, caller: Api
) -> None:
    # Warm the server's pool, then restart the database with no request in between: the
    # pooled connections are dead, and the first request after must not fail on one.
    warm = await asyncio.gather(*(caller.create_debt(VALID_DEBT) for _ in range(5)))
    assert {debt["__typename"] for debt in warm} == {"Debt"}

    await asyncio.to_thread(cluster.stop)
    await asyncio.to_thread(cluster.start)

    after = await asyncio.gather(*(caller.create_debt(VALID_DEBT) for _ in range(5)))
    assert {debt["__typename"] for debt in after} == {"Debt"}
    assert (await caller.http.get("/health")).status_code == 200


async def test_frozen_database_is_unavailable_within_the_timeouts(
    cluster: PostgresCluster, server: LiveServer, caller: Api
) -> None:
    # A database that accepts connections but never answers (a hung host, a partition):
    # only the connect and statement timeouts stand between the client and a hang.
    assert (await caller.create_debt(VALID_DEBT))["__typename"] == "Debt"

    with cluster.frozen():
        body, seconds = await timed(caller.gql(CREATE_DEBT, {"input": VALID_DEBT, "key": "k"}))
        unavailable(body)
        assert seconds < ANSWER_WITHIN_SECONDS
        health, seconds = await timed(caller.http.get("/health"))
        assert health.status_code == 503
        assert seconds < ANSWER_WITHIN_SECONDS

    assert (await caller.create_debt(VALID_DEBT, key="k"))["__typename"] == "Debt"
    assert server.is_running()
