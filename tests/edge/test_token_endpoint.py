"""POST /token under attack: secrets verified off the event loop, failed attempts throttled."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from app.config import Settings
from app.http.app import create_app
from app.runtime import Runtime
from app.services.auth import IssuedClient, create_client
from tests.utils.clock import Clock
from tests.utils.factories import make_company
from tests.utils.live_server import live_server

# Argon2 as production runs it: the cost is what is under test here.
REAL_COST = {
    name: Settings.model_fields[name].default
    for name in ("client_secret_hash_memory_kib", "client_secret_hash_time_cost")
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
    flood, reads = 16, 20
    served = Settings(**{**settings.model_dump(), **REAL_COST, "client_secret_verify_threads": 1})
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
