"""`debt-api deliver-webhooks` as real processes: SIGKILL mid-delivery, SIGTERM, and two
workers sharing 1,000 events on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.config import Settings
from app.runtime import Runtime
from app.storage.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import TEST_SECRET
from tests.utils.api import VALID_DEBT, Api
from tests.utils.receiver import Receiver, running_receiver
from tests.webhooks.conftest import create_endpoint, deliveries

CREATE_DEBTS = """
mutation Import($debts: [CreateDebtsItemInput!]!) {
  createDebts(input: {debts: $debts}) { __typename ... on DebtImport { summary { created } } }
}
"""


@pytest.fixture
def own_receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


def start_worker(settings: Settings, log: Path, **env: str) -> subprocess.Popen[bytes]:
    variables = os.environ | {
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": TEST_SECRET,
        "WEBHOOK_POLL_SECONDS": "0.1",
        "WEBHOOK_RETRY_SCHEDULE": "0",
        "WEBHOOK_TIMEOUT_SECONDS": "5",
        "DB_POOL_SIZE": "4",
        "DB_POOL_OVERFLOW": "0",
        **env,
    }
    with log.open("wb") as output:  # a file, not a pipe: a full pipe would block the worker
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", "deliver-webhooks"],
            env=variables,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


async def wait_for(condition: Any, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def test_a_worker_killed_mid_delivery_leaves_the_attempt_to_another(
    api: Api, own_receiver: Receiver, settings: Settings, tmp_path: Path
) -> None:
    created = await create_endpoint(api, f"{own_receiver.url}/k", ["DEBT_CREATED"])
    endpoint_id = created["endpoint"]["id"]
    own_receiver.reset("hang")
    await api.create_debt(VALID_DEBT)

    first = start_worker(settings, tmp_path / "first.log", WEBHOOK_LEASE_SECONDS="3")
    try:
        assert await asyncio.to_thread(own_receiver.arrived.wait, 60), "never delivered"
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        first.kill()
        own_receiver.release.set()
    [delivery] = await deliveries(api, endpoint_id)
    assert (delivery["status"], delivery["attempts"]) == ("PENDING", 0)  # claimed, unrecorded

    second = start_worker(settings, tmp_path / "second.log", WEBHOOK_LEASE_SECONDS="3")
    try:

        async def delivered() -> bool:
            [delivery] = await deliveries(api, endpoint_id)
            return bool(delivery["status"] == "SUCCEEDED")

        await wait_for(delivered)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
    finally:
        second.kill()
    ids = own_receiver.ids()
    assert len(ids) == 2 and len(set(ids)) == 1  # the same event, at least once
    [delivery] = await deliveries(api, endpoint_id)
    assert delivery["attempts"] == 1
    assert json.loads((tmp_path / "second.log").read_text().splitlines()[-1]) == {"stopped": True}


async def test_sigterm_lets_the_attempt_in_flight_finish_and_records_it(
    api: Api, own_receiver: Receiver, settings: Settings, tmp_path: Path
) -> None:
    created = await create_endpoint(api, f"{own_receiver.url}/t", ["DEBT_CREATED"])
    endpoint_id = created["endpoint"]["id"]
    own_receiver.reset("hang")
    await api.create_debt(VALID_DEBT)
    worker = start_worker(settings, tmp_path / "worker.log", WEBHOOK_TIMEOUT_SECONDS="2")
    try:
        assert await asyncio.to_thread(own_receiver.arrived.wait, 60)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        worker.kill()
        own_receiver.release.set()
    [delivery] = await deliveries(api, endpoint_id)
    # Not lost: the timed-out attempt is recorded and due again for the next worker.
    assert (delivery["status"], delivery["attempts"], delivery["lastError"]) == (
        "RETRYING",
        1,
        "timeout",
    )
    log = (tmp_path / "worker.log").read_text()
    assert "whsec_" not in log and VALID_DEBT["lastname"] not in log


async def test_two_workers_drain_1000_events_each_delivered(
    api: Api, own_receiver: Receiver, settings: Settings, runtime: Runtime, tmp_path: Path
) -> None:
    if settings.is_sqlite:
        pytest.skip("several delivery workers need PostgreSQL (SQLite has one writer)")
    created = await create_endpoint(api, f"{own_receiver.url}/many", ["DEBT_CREATED"])
    own_receiver.reset()
    body = await api.gql(CREATE_DEBTS, {"debts": [VALID_DEBT] * 1000})
    assert body["data"]["createDebts"]["summary"]["created"] == 1000
    endpoint_key = None
    async with runtime.engine.connect() as connection:
        endpoint_key = (
            await connection.execute(
                select(WebhookEndpoint.id).where(  # type: ignore[call-overload]
                    WebhookEndpoint.public_id == created["endpoint"]["id"]
                )
            )
        ).scalar_one()

    env = {"WEBHOOK_CONCURRENCY": "8", "WEBHOOK_ENDPOINT_CONCURRENCY": "8"}
    workers = [start_worker(settings, tmp_path / f"w{n}.log", **env) for n in range(2)]
    try:

        async def drained() -> bool:
            async with runtime.engine.connect() as connection:
                left = await connection.execute(
                    select(func.count())
                    .select_from(WebhookDelivery)
                    .where(
                        WebhookDelivery.endpoint_id == endpoint_key,
                        WebhookDelivery.status != "SUCCEEDED",  # type: ignore[arg-type]
                    )
                )
                return bool(left.scalar_one() == 0)

        await wait_for(drained, seconds=240)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        assert [worker.wait(timeout=30) for worker in workers] == [0, 0]
    finally:
        for worker in workers:
            worker.kill()
    ids = own_receiver.ids()
    counts = Counter(ids)
    duplicates = len(ids) - len(counts)
    per_worker = [
        (tmp_path / f"w{n}.log").read_text().count('"webhook attempt SUCCEEDED"') for n in range(2)
    ]
    print(f"1000 events: {len(counts)} distinct delivered, {duplicates} duplicates, {per_worker}")
    assert len(counts) == 1000
    assert duplicates == 0  # claims are exclusive and every attempt succeeded
    assert sum(per_worker) == 1000 and all(per_worker), per_worker
