"""POST /token under attack: secrets verified off the event loop, failed attempts throttled."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.http.app import create_app
from app.runtime import Runtime
from app.services.auth import IssuedClient, create_client
from tests.edge.conftest import Server, StartServer
from tests.utils.clock import Clock
from tests.utils.factories import make_client, make_company
from tests.utils.live_server import live_server

# Argon2 at production's memory cost and twice its time cost, so that each verification
# clearly outlasts a read, even on a busy machine.
COSTLY = {
    "client_secret_hash_memory_kib": Settings.model_fields["client_secret_hash_memory_kib"].default,
    "client_secret_hash_time_cost": 2
    * Settings.model_fields["client_secret_hash_time_cost"].default,
}


def _form(client: IssuedClient, secret: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": client.client_id,
        "client_secret": secret,
    }


async def _client_hashed_with(runtime: Runtime, settings: Settings) -> IssuedClient:
    company = await make_company(runtime)
    async with runtime.sessions() as session:
        issued = await create_client(
            session,
            company_public_id=company.company_id,
            scopes=("debts:read",),
            hasher=settings.secret_hasher,
        )
    assert issued is not None
    return issued


async def test_a_flood_of_wrong_secrets_does_not_hold_up_other_requests(
    settings: Settings, runtime: Runtime, clock: Clock
) -> None:
    flood, reads = 16, 10
    served = Settings(
        **{
            **settings.model_dump(),
            **COSTLY,
            "client_secret_verify_threads": 1,
            "token_failures_per_client": 1000,  # the throttle is tested below
        }
    )
    client = await _client_hashed_with(runtime, served)

    with live_server(create_app(served, clock=clock)) as url:
        limits = httpx.Limits(max_connections=flood + 1)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
            wrong = [
                asyncio.create_task(http.post("/token", data=_form(client, "not-the-secret")))
                for _ in range(flood)
            ]
            # Once one is answered, the others are being verified or wait their turn.
            await asyncio.wait(wrong, return_when=asyncio.FIRST_COMPLETED)
            for _ in range(reads):
                assert (await http.get("/health")).status_code == 200
            still_verifying = sum(not attempt.done() for attempt in wrong)
            answers: list[Any] = await asyncio.gather(*wrong)

    assert [answer.status_code for answer in answers] == [401] * flood
    # One verification at a time takes far longer than these reads: had each verification
    # held the event loop, the reads would have waited their turn among them.
    assert still_verifying >= flood // 2, still_verifying


WINDOW = 60
ATTACKER, CLIENT_HOST = "203.0.113.7", "198.51.100.2"

From = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def throttled(start_server: StartServer) -> Server:
    return await start_server(
        token_failures_per_client=3,
        token_failures_per_address=6,
        token_failure_window_seconds=WINDOW,
    )


@pytest.fixture
async def from_address(throttled: Server) -> AsyncIterator[From]:
    """HTTP clients of the throttled server, each calling from the address given."""
    opened: list[httpx.AsyncClient] = []

    def client(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=throttled.app, client=(address, 40000))
        opened.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        return opened[-1]

    yield client
    for http in opened:
        await http.aclose()


@pytest.fixture
def window_start(clock: Clock) -> datetime:
    """A window start in the past (tokens must not be from the future); the clock stopped 10
    seconds into it."""
    now = datetime.now(UTC).timestamp() - 3 * WINDOW
    start = datetime.fromtimestamp(math.floor(now / WINDOW) * WINDOW, UTC)
    clock.set(start + timedelta(seconds=10))
    return start


async def _token(http: httpx.AsyncClient, client: IssuedClient, secret: str) -> httpx.Response:
    return await http.post("/token", data=_form(client, secret))


def _slow_down(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.json()["error"] == "slow_down"
    assert response.headers["cache-control"] == "no-store"
    return int(response.headers["retry-after"])


async def test_wrong_secrets_are_throttled_for_that_address_only(
    throttled: Server, from_address: From, window_start: datetime, clock: Clock
) -> None:
    client = await make_client(
        throttled.runtime, (await make_company(throttled.runtime)).company_id
    )
    attacker, owner = from_address(ATTACKER), from_address(CLIENT_HOST)

    failures = [await _token(attacker, client, "guess") for _ in range(3)]
    assert [answer.status_code for answer in failures] == [401, 401, 401]
    # Three failures 10 s into the window: one more fits once a third of the next window has
    # passed (3 * 2/3 + 1 = 3), 70 s from now. Hammering does not push that further away.
    assert [_slow_down(await _token(attacker, client, "guess")) for _ in range(5)] == [70] * 5
    # Not even the right secret is checked from there...
    assert _slow_down(await _token(attacker, client, client.client_secret)) == 70
    # ...while the client, from its own address, is served as ever.
    assert (await _token(owner, client, client.client_secret)).status_code == 200

    clock.set(window_start + timedelta(seconds=10 + 69))
    _slow_down(await _token(attacker, client, client.client_secret))
    clock.set(window_start + timedelta(seconds=10 + 70))
    assert (await _token(attacker, client, client.client_secret)).status_code == 200


async def test_an_address_trying_many_clients_is_throttled(
    throttled: Server, from_address: From, window_start: datetime
) -> None:
    company = (await make_company(throttled.runtime)).company_id
    clients = [await make_client(throttled.runtime, company) for _ in range(3)]
    attacker, owner = from_address(ATTACKER), from_address(CLIENT_HOST)

    # Two failures per client id stay under its quota of 3; the address's 6 are spent.
    for client in clients:
        for _ in range(2):
            assert (await _token(attacker, client, "guess")).status_code == 401
    assert _slow_down(await _token(attacker, clients[0], clients[0].client_secret)) > 0
    for client in clients:
        assert (await _token(owner, client, client.client_secret)).status_code == 200


async def test_a_burst_of_concurrent_wrong_secrets_is_bounded_too(
    throttled: Server, from_address: From, window_start: datetime
) -> None:
    client = await make_client(
        throttled.runtime, (await make_company(throttled.runtime)).company_id
    )
    attacker = from_address(ATTACKER)

    answers = await asyncio.gather(*(_token(attacker, client, "guess") for _ in range(12)))

    # Each attempt counts from the moment it is let through, not once it has failed.
    assert sorted(answer.status_code for answer in answers) == [401] * 3 + [429] * 9


async def test_a_success_forgives_the_failures_before_it(
    throttled: Server, from_address: From, window_start: datetime
) -> None:
    client = await make_client(
        throttled.runtime, (await make_company(throttled.runtime)).company_id
    )
    owner = from_address(CLIENT_HOST)

    for _ in range(2):
        assert (await _token(owner, client, "typo")).status_code == 401
    assert (await _token(owner, client, client.client_secret)).status_code == 200
    assert [(await _token(owner, client, "typo")).status_code for _ in range(3)] == [401] * 3
    _slow_down(await _token(owner, client, "typo"))
