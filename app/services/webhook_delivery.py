"""The delivery worker: claims due deliveries from the outbox and POSTs them, signed.

Workers share the work through the database only: a claim is a lease on the row
(app/storage/webhooks.py `claim_due`), so any number of workers, in `serve` processes or
`debt-api deliver-webhooks`, on any hosts, never hold one delivery at once, and a worker
that dies leaves its deliveries to be claimed again once their lease expires. An attempt is
recorded only if its claim is still held, so a late worker cannot overwrite a newer result.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks import Webhook

from app.config import Settings
from app.domain import webhooks as domain
from app.domain.webhooks import DeliveryStatus
from app.services.webhook_secrets import SecretBox
from app.services.webhooks import address_problem, signing_secrets
from app.storage import webhooks as store
from app.storage.outages import OutageLog, is_outage, new_outage_log
from app.storage.webhooks import ClaimedDelivery

log = logging.getLogger("app.webhooks")

Clock = Callable[[], datetime]


def _system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class AttemptResult:
    succeeded: bool
    http_status: int | None
    error: str | None
    response: str | None
    duration_ms: int


def signed_headers(
    event_id: str, body: str, secrets_in_use: list[str], now: datetime
) -> dict[str, str]:
    """The Standard Webhooks headers; one signature per secret while a rotation overlaps."""
    signatures = [Webhook(secret).sign(event_id, now, body) for secret in secrets_in_use]
    return {
        "content-type": "application/json",
        "user-agent": "debt-intake-api-webhooks",
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


class DeliveryWorker:
    """One worker: at most `webhook_concurrency` attempts at once, and
    `webhook_endpoint_concurrency` to any one endpoint."""

    def __init__(
        self,
        engine: AsyncEngine,
        settings: Settings,
        box: SecretBox,
        clock: Clock | None = None,
        outages: OutageLog | None = None,
    ) -> None:
        self._engine = engine
        self._outages = outages or new_outage_log()
        self._settings = settings
        self._policy = settings.webhook_policy
        self._box = box
        self._clock = clock or _system_clock
        self._lease = timedelta(seconds=settings.webhook_lease_seconds)
        self._gates: defaultdict[int, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.webhook_endpoint_concurrency)
        )
        self._in_flight: dict[asyncio.Task[None], ClaimedDelivery] = {}
        timeout = settings.webhook_timeout_seconds
        self._timeout = timeout
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=timeout, read=timeout, write=timeout),
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment between us and the receiver
            limits=httpx.Limits(max_connections=settings.webhook_concurrency),
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and deliver until `stop` is set; then finish the attempts in flight (within
        the HTTP timeout) and give back, untried, those still waiting."""
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                if await self._claim_quietly():
                    continue  # more may be due: claim again while there is room
                # Idle or full: wait for the poll interval, a finished attempt, or stop.
                waiters: set[asyncio.Future[Any]] = {stopping, *self._in_flight}
                await asyncio.wait(
                    waiters,
                    timeout=self._settings.webhook_poll_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
        finally:
            stopping.cancel()
            await self._stop_in_flight()

    async def drain(self) -> int:
        """Deliver everything due now, then return how many attempts were made (tests and
        one-off runs)."""
        made = 0
        while True:
            claimed = await self._claim(self._settings.webhook_concurrency)
            if not claimed:
                return made
            made += len(claimed)
            await asyncio.gather(*list(self._in_flight))

    async def _claim_quietly(self) -> list[ClaimedDelivery]:
        """A claim that never stops the worker: an outage is logged once per interval, a bug
        with its trace, and the worker tries again after its poll interval."""
        try:
            return await self._claim(self._settings.webhook_concurrency - len(self._in_flight))
        except Exception as error:  # the worker outlives any one claim
            if is_outage(error):
                self._outages.failed("database", error)
            else:
                log.error("webhook claim failed", exc_info=error)
            return []

    async def _claim(self, limit: int) -> list[ClaimedDelivery]:
        if limit <= 0:
            return []
        now = self._clock()
        async with self._engine.begin() as connection:
            claimed = await store.claim_due(
                connection,
                now=now,
                lease_until=now + self._lease,
                token=secrets.token_hex(16),
                limit=limit,
            )
        for delivery in claimed:
            task = asyncio.create_task(self._deliver(delivery))
            self._in_flight[task] = delivery
            task.add_done_callback(self._forget)
        return claimed

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            log.error("webhook attempt crashed", exc_info=error)

    async def _stop_in_flight(self) -> None:
        tasks = list(self._in_flight)
        if tasks:
            # An attempt under way ends within its timeouts; one still waiting for its
            # endpoint's turn is cancelled and given back.
            _, pending = await asyncio.wait(tasks, timeout=2 * self._timeout + 1)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _deliver(self, delivery: ClaimedDelivery) -> None:
        try:
            async with self._gates[delivery.endpoint.id]:
                result = await self._attempt(delivery)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._release(delivery))
            raise
        try:
            await self._record(delivery, result)
        except Exception as error:
            if not is_outage(error):
                raise
            # Unrecorded: the lease expires and the attempt is made again (at least once).
            self._outages.failed("database", error)

    async def _release(self, delivery: ClaimedDelivery) -> None:
        async with self._engine.begin() as connection:
            await store.release(connection, delivery_keys=[delivery.id], token=delivery.claim_token)

    async def _attempt(self, delivery: ClaimedDelivery) -> AttemptResult:
        started = time.perf_counter()

        def result(
            succeeded: bool,
            status: int | None = None,
            error: str | None = None,
            response: str | None = None,
        ) -> AttemptResult:
            elapsed = round((time.perf_counter() - started) * 1000)
            return AttemptResult(succeeded, status, error, response, elapsed)

        endpoint = delivery.endpoint
        if not endpoint.enabled:
            return result(False, error="endpoint disabled")
        # Checked again here: the host may resolve elsewhere since the endpoint was saved.
        refused = domain.url_error(endpoint.url, production=self._policy.production)
        problem = refused.message if refused else await address_problem(endpoint.url, self._policy)
        if problem is not None:
            return result(False, error=f"refused: {problem}"[:255])
        now = self._clock()
        headers = signed_headers(
            delivery.event_public_id,
            delivery.body,
            signing_secrets(endpoint, self._box, now),
            now,
        )
        try:
            async with asyncio.timeout(2 * self._timeout):
                async with self._client.stream(
                    "POST", endpoint.url, content=delivery.body.encode(), headers=headers
                ) as response:
                    kept = await _head(response)
        except (TimeoutError, httpx.TimeoutException):
            return result(False, error="timeout")
        except httpx.HTTPError as error:
            return result(False, error=f"{type(error).__name__}"[:255])
        status = response.status_code
        if 200 <= status < 300:
            return result(True, status, response=kept)
        reason = "redirect not followed" if 300 <= status < 400 else f"HTTP {status}"
        return result(False, status, error=reason, response=kept)

    async def _record(self, delivery: ClaimedDelivery, result: AttemptResult) -> None:
        now = self._clock()
        attempts = delivery.attempts + 1
        retry_at = None
        if result.succeeded:
            status = DeliveryStatus.SUCCEEDED
        elif not delivery.endpoint.enabled:
            status = DeliveryStatus.FAILED
        else:
            retry_at = domain.next_attempt_at(attempts, self._policy.retry_schedule, now)
            status = DeliveryStatus.RETRYING if retry_at else DeliveryStatus.FAILED
        disabled = False
        async with self._engine.begin() as connection:
            mine = await store.finish_attempt(
                connection,
                delivery_key=delivery.id,
                token=delivery.claim_token,
                values={
                    "status": status.value,
                    "attempts": attempts,
                    "next_attempt_at": retry_at,
                    "last_http_status": result.http_status,
                    "last_error": result.error,
                    "last_response": result.response,
                    "last_duration_ms": result.duration_ms,
                },
            )
            if mine and result.succeeded:
                await store.endpoint_succeeded(connection, endpoint_key=delivery.endpoint.id)
            elif mine and delivery.endpoint.enabled:
                disabled = await store.endpoint_failed(
                    connection,
                    endpoint_key=delivery.endpoint.id,
                    now=now,
                    disable_before=now - self._policy.disable_after,
                )
        # One line per attempt: ids, outcome and timing; never the secret or the body.
        log.info(
            "webhook attempt %s",
            status.value,
            extra={
                "fields": {
                    "event_id": delivery.event_public_id,
                    "endpoint_id": delivery.endpoint.public_id,
                    "event_type": delivery.event_type,
                    "attempt": attempts,
                    "status": status.value,
                    "http_status": result.http_status,
                    "error": result.error,
                    "duration_ms": result.duration_ms,
                    "recorded": mine,
                    "endpoint_disabled": disabled,
                }
            },
        )


async def _head(response: httpx.Response) -> str:
    """At most RESPONSE_BODY_MAX bytes of the body, as text; the rest is never read."""
    kept = b""
    async for chunk in response.aiter_raw():
        kept += chunk[: domain.RESPONSE_BODY_MAX - len(kept)]
        if len(kept) >= domain.RESPONSE_BODY_MAX:
            break
    return kept.decode("utf-8", errors="replace")
