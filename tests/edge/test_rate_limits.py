"""Rate limits per API client: sliding window, headers, RATE_LIMITED, shared by every server."""

from __future__ import annotations

import asyncio
import math
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.services.tenants import TenantDirectory
from app.storage.db import create_engine
from app.storage.rate_limits import DatabaseCounters
from tests.edge.conftest import LogLines, Server, StartServer, redis_url
from tests.utils.api import CREATE_DEBT, VALID_DEBT, Api
from tests.utils.clock import Clock

WINDOW = 60
READ = "{ timelines { edges { node { id } } } }"


@pytest.fixture(params=["database", "redis"])
def counters(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings choosing where the counters live."""
    if request.param == "redis":
        return {"redis_url": redis_url()}
    return {"redis_url": None}


@pytest.fixture
def window_start(clock: Clock) -> datetime:
    """The start of a rate-limit window a little in the past (tokens must not be from the
    future); the clock is stopped 10 seconds into it."""
    now = datetime.now(UTC).timestamp() - 3 * WINDOW
    start = datetime.fromtimestamp(math.floor(now / WINDOW) * WINDOW, UTC)
    clock.set(start + timedelta(seconds=10))
    return start


def _limits(counters: dict[str, Any], requests: int, writes: int) -> dict[str, Any]:
    return {
        **counters,
        "rate_limit_requests": requests,
        "rate_limit_writes": writes,
        "rate_limit_window_seconds": WINDOW,
    }


def _rate_headers(response: httpx.Response) -> tuple[str | None, str | None, str | None]:
    return (
        response.headers.get("X-RateLimit-Limit"),
        response.headers.get("X-RateLimit-Remaining"),
        response.headers.get("X-RateLimit-Reset"),
    )


def _refusal(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "data" not in body, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED", body
    extensions: dict[str, Any] = error["extensions"]
    return extensions


async def test_headers_count_down_then_the_client_is_refused(
    start_server: StartServer, counters: dict[str, Any], window_start: datetime
) -> None:
    server = await start_server(**_limits(counters, requests=3, writes=3))
    api = await server.new_api()
    reset = str(int(window_start.timestamp()) + 2 * WINDOW)

    answers = [await api.post(READ) for _ in range(4)]

    assert [_rate_headers(r) for r in answers[:3]] == [
        ("3", "2", reset),
        ("3", "1", reset),
        ("3", "0", reset),
    ]
    assert all("errors" not in r.json() for r in answers[:3])
    refused = answers[3]
    assert refused.status_code == 200
    # Three requests in this window, none before: one more fits once a third of the next
    # window has passed (3 * 2/3 + 1 = 3), 70 seconds after the clock's 10 s into this one.
    assert _refusal(refused) == {"code": "RATE_LIMITED", "retryAfter": 70}
    assert refused.headers["Retry-After"] == "70"
    assert _rate_headers(refused) == ("3", "0", reset)


async def test_a_refused_client_is_served_again_after_retry_after(
    start_server: StartServer, counters: dict[str, Any], window_start: datetime, clock: Clock
) -> None:
    server = await start_server(**_limits(counters, requests=3, writes=3))
    api = await server.new_api()
    for _ in range(3):
        await api.post(READ)
    retry_after = _refusal(await api.post(READ))["retryAfter"]

    # Refused requests are not counted: hammering does not push the retry further away.
    clock.set(window_start + timedelta(seconds=10 + retry_after - 1))
    for _ in range(5):
        _refusal(await api.post(READ))
    clock.set(window_start + timedelta(seconds=10 + retry_after))
    served = await api.post(READ)
    assert "errors" not in served.json(), served.json()


async def test_writes_have_their_own_smaller_quota(
    start_server: StartServer, counters: dict[str, Any], window_start: datetime
) -> None:
    server = await start_server(**_limits(counters, requests=10, writes=2))
    api = await server.new_api()

    first, second, third = [await api.post(CREATE_DEBT, {"input": VALID_DEBT}) for _ in range(3)]

    assert [_rate_headers(r)[:2] for r in (first, second)] == [("2", "1"), ("2", "0")]
    _refusal(third)
    assert await api.debt_count() == 2
    read = await api.post(READ)
    assert "errors" not in read.json()
    # 3 reads counted (the refused write was not): the reads quota shows 10 - 3.
    assert _rate_headers(read)[:2] == ("10", "7")


async def _one_client_on_two_servers(
    start_server: StartServer, counters: dict[str, Any], limit: int
) -> tuple[Server, Api, Api]:
    """Two servers sharing the counters, and one client's token on each."""
    limits = _limits(counters, requests=limit, writes=limit)
    first, second = await start_server(**limits), await start_server(**limits)
    on_first = await first.new_api()
    return first, on_first, second.api_for(on_first)


async def test_counters_are_shared_by_every_server(
    start_server: StartServer, counters: dict[str, Any], window_start: datetime
) -> None:
    _, on_first, on_second = await _one_client_on_two_servers(start_server, counters, 3)

    await on_first.post(READ)
    await on_second.post(READ)
    third = await on_first.post(READ)

    assert _rate_headers(third)[1] == "0"
    _refusal(await on_second.post(READ))
    _refusal(await on_first.post(READ))


async def test_far_from_the_limit_a_server_counts_requests_in_blocks(
    start_server: StartServer, counters: dict[str, Any], window_start: datetime
) -> None:
    _, on_first, on_second = await _one_client_on_two_servers(start_server, counters, 1000)

    served = [await on_first.post(READ) for _ in range(3)]

    # Its own requests count down one by one...
    assert [_rate_headers(r)[1] for r in served] == ["999", "998", "997"]
    # ...while the shared counters hold its first request and a block of 99 taken ahead
    # (a tenth of the 999 left), which the other server sees as spent.
    assert _rate_headers(await on_second.post(READ))[1] == str(1000 - 1 - 99 - 1)


async def test_concurrent_requests_of_a_client_share_one_block(
    start_server: StartServer, counters: dict[str, Any], window_start: datetime
) -> None:
    _, on_first, on_second = await _one_client_on_two_servers(start_server, counters, 1000)
    await on_first.post(READ)  # the next block will be 99 requests

    answers = await asyncio.gather(*(on_first.post(READ) for _ in range(40)))

    assert all("errors" not in answer.json() for answer in answers)
    # One block of 99 taken for all 40, not one block each (which would spend the quota).
    assert _rate_headers(await on_second.post(READ))[1] == str(1000 - 1 - 99 - 1)


async def test_blocks_never_let_more_than_the_limit_through(
    start_server: StartServer, counters: dict[str, Any], window_start: datetime
) -> None:
    first, on_first, on_second = await _one_client_on_two_servers(start_server, counters, 60)
    alone = await first.new_api()

    answers = [await (on_first, on_second)[i % 3 == 0].post(READ) for i in range(80)]
    served = sum("errors" not in answer.json() for answer in answers)
    # Blocks a server took and has not used are spent for the other one, so the pair may
    # stop a little early, never late.
    assert 55 <= served <= 60, served
    assert all("errors" in answer.json() for answer in answers[served:])

    # One server alone uses all of its blocks: exactly the limit.
    answers = [await alone.post(READ) for _ in range(61)]
    assert [_rate_headers(a)[1] for a in answers[:60]] == [str(n) for n in range(59, -1, -1)]
    _refusal(answers[60])


async def test_each_client_has_its_own_counters(
    start_server: StartServer, counters: dict[str, Any], window_start: datetime
) -> None:
    server = await start_server(**_limits(counters, requests=2, writes=2))
    busy, quiet = await server.new_api(), await server.new_api()
    for _ in range(2):
        await busy.post(READ)
    _refusal(await busy.post(READ))
    assert _rate_headers(await quiet.post(READ))[:2] == ("2", "1")


async def test_anonymous_requests_count_against_their_address_not_a_client(
    start_server: StartServer, counters: dict[str, Any], window_start: datetime
) -> None:
    server = await start_server(**_limits(counters, requests=2, writes=2))
    api = await server.new_api()
    # An address of its own: counters outlive a test (the table, Redis), addresses do not change.
    address = f"198.51.100.{secrets.randbelow(250) + 1}"
    transport = httpx.ASGITransport(app=server.app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        visitor = Api(http, server.runtime, api.company_id, api.token)
        first = await visitor.post(READ, token=None)
        assert first.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert _rate_headers(first)[:2] == ("2", "1")
        assert _rate_headers(await visitor.post(READ, token="not-a-token"))[:2] == ("2", "0")
        _refusal(await visitor.post(READ, token=None))

        invalid = await visitor.post("{ timelines { nope } }")  # refused documents: not counted
        assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert _rate_headers(invalid) == (None, None, None)
        assert _rate_headers(await visitor.post(READ))[:2] == ("2", "1")  # the client's own


async def test_rate_limits_can_be_turned_off(
    start_server: StartServer, window_start: datetime
) -> None:
    server = await start_server(rate_limits_enabled=False, rate_limit_requests=1)
    api = await server.new_api()
    answers = [await api.post(READ) for _ in range(3)]
    assert all("errors" not in r.json() for r in answers)
    assert all(_rate_headers(r) == (None, None, None) for r in answers)


async def test_unreachable_redis_lets_requests_through_and_says_so(
    start_server: StartServer, logs: LogLines
) -> None:
    # Port 1 on localhost refuses connections at once: Redis is "down".
    server = await start_server(redis_url="redis://127.0.0.1:1/0", redis_timeout_seconds=0.5)
    api = await server.new_api()

    created = await api.create_debt(VALID_DEBT)

    assert created["__typename"] == "Debt"
    said = [e for e in logs.entries("app.outages") if e["level"] == "ERROR"]
    assert said and said[0]["message"].startswith("rate-limit counters unavailable"), said


def _dead_engine() -> AsyncEngine:
    """An engine for a database nobody listens for (port 1 refuses connections at once)."""
    return create_engine(
        Settings(
            database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none",
            db_connect_timeout_seconds=1,
        )
    )


def _service_unavailable(response: httpx.Response) -> None:
    body = response.json()
    [error] = body["errors"]
    # Refused before execution: no data; met by a resolver: null data, the error on its field.
    assert ("data" not in body) if "path" not in error else body["data"] is None, body
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "127.0.0.1" not in response.text and "connect" not in response.text.lower()


async def test_unreachable_database_counters_answer_service_unavailable(
    start_server: StartServer, window_start: datetime
) -> None:
    server = await start_server(rate_limit_requests=5)
    api = await server.new_api()
    limiter = server.runtime.rate_limiter
    assert limiter is not None
    dead = _dead_engine()
    limiter.store = DatabaseCounters(dead)
    try:
        _service_unavailable(await api.post(CREATE_DEBT, {"input": VALID_DEBT}))
    finally:
        await dead.dispose()
    assert await api.debt_count() == 0


@pytest.mark.parametrize("rate_limits", [True, False])
async def test_database_down_while_authenticating_is_service_unavailable(
    start_server: StartServer, rate_limits: bool
) -> None:
    """With or without the rate limiter (which authenticates before the resolvers do)."""
    server = await start_server(rate_limits_enabled=rate_limits)
    api = await server.new_api()
    dead = _dead_engine()
    server.runtime.tenants = TenantDirectory(dead)  # companies can no longer be looked up
    try:
        _service_unavailable(await api.post(CREATE_DEBT, {"input": VALID_DEBT}))
    finally:
        await dead.dispose()
    assert await api.debt_count() == 0


class _BrokenCounters(DatabaseCounters):
    """A counter store with a bug: a fault raised before the resolvers run."""

    async def hit(self, client_id: str, quotas: Any, window: int, amount: int = 1) -> Any:
        raise AttributeError("'Record' object has no attribute 'quota' (internal detail)")


async def test_a_bug_in_the_rate_limiter_is_masked_as_internal(
    start_server: StartServer, window_start: datetime
) -> None:
    server = await start_server(rate_limit_requests=5)
    api = await server.new_api()
    limiter = server.runtime.rate_limiter
    assert limiter is not None
    limiter.store = _BrokenCounters(server.runtime.engine)

    response = await api.post(CREATE_DEBT, {"input": VALID_DEBT})

    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL"]
    assert "internal detail" not in response.text
    assert "Record" not in response.text
    assert await api.debt_count() == 0
