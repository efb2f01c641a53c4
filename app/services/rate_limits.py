"""Rate limits per API client: every operation counts, mutations count as writes too."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.domain.rate_limits import Quota, Verdict, WindowCounts, judge, lease_size
from app.storage.outages import OutageLog
from app.storage.rate_limits import (
    CounterStore,
    CountersUnavailable,
    DatabaseCounters,
    RedisCounters,
)


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    shown: Verdict  # the tightest quota: what the X-RateLimit-* headers report
    retry_after: int  # seconds; 0 when allowed


@dataclass(frozen=True, slots=True)
class CountersDown:
    """The counters could not be read; `fail_open` says whether to serve anyway."""

    fail_open: bool


@dataclass(slots=True)
class _Lease:
    """One client's requests counted ahead in the shared counters, not all used yet."""

    window: int | None = None  # None until something was counted
    counts: list[WindowCounts] = field(default_factory=list)  # the whole block counted
    unused: int = 0
    size_next: int = 1  # the size of the block to take when this one is spent
    # Set while a request takes a block, to whether it got one: the client's other requests
    # wait for it rather than each taking a block, which would waste all but one of them.
    refilling: asyncio.Future[bool] | None = None

    def take(self, window: int) -> bool:
        """Use one request of the block, if it is this window's and not spent."""
        if self.window != window or self.unused == 0:
            return False
        self.unused -= 1
        return True


# Leases of clients not heard from lately are dropped past this many.
_MAX_LEASES = 10_000


class RateLimiter:
    """Counts each operation against its client's quotas, in counters all servers share.

    Counting is one round trip to the store per request, unless the quota is far from
    spent: then a block of requests is counted at once (see `lease_size`) and the next
    requests of the block are served from it with no round trip. The block's unused part
    stays counted, so leases can refuse a little early, never let more through than the
    limit; counts near the limit go one by one. With 10,000 or more left, a block is 1,000
    requests: a thousandth of the round trips, and no refill wait in the slowest 1%.
    """

    def __init__(
        self,
        store: CounterStore,
        *,
        requests: Quota,
        writes: Quota,
        clock: Callable[[], datetime],
        outages: OutageLog,
    ) -> None:
        self.store = store
        self.outages = outages
        self.requests = requests
        self.writes = writes
        self._clock = clock
        self._leases: dict[tuple[str, bool], _Lease] = {}

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        engine: AsyncEngine,
        clock: Callable[[], datetime],
        outages: OutageLog,
    ) -> RateLimiter | None:
        if not settings.rate_limits_enabled:
            return None
        window = settings.rate_limit_window_seconds
        store: CounterStore = (
            RedisCounters(
                settings.redis_url,
                window_seconds=window,
                timeout=settings.redis_timeout_seconds,
                max_connections=settings.redis_max_connections,
            )
            if settings.redis_url
            else DatabaseCounters(engine)
        )
        return cls(
            store,
            requests=Quota("requests", settings.rate_limit_requests, window),
            writes=Quota("writes", settings.rate_limit_writes, window),
            clock=clock,
            outages=outages,
        )

    async def check(self, client_id: str, *, write: bool) -> RateDecision | CountersDown:
        """Count this operation, unless it is over a quota: then it is refused, uncounted."""
        quotas = [self.requests, self.writes] if write else [self.requests]
        now = self._clock().timestamp()
        # Both quotas share the window size, so they share the window index.
        window = self.requests.window_of(now)
        lease = self._lease(client_id, write)
        if lease.take(window):
            return _decision(quotas, _used(lease), now)
        size = lease.size_next if lease.window == window else 1
        if lease.refilling is not None:
            if not await asyncio.shield(lease.refilling):
                return CountersDown(fail_open=self.store.fail_open)
            if lease.take(window):
                return _decision(quotas, _used(lease), now)
            size = 1  # the new block is spent already: count this request alone
        if size == 1:
            return await self._count(client_id, quotas, window, 1, now, lease)
        refilled = lease.refilling = asyncio.get_running_loop().create_future()
        got = False
        try:
            decision = await self._count(client_id, quotas, window, size, now, lease)
            got = isinstance(decision, RateDecision)
            return decision
        finally:
            lease.refilling = None
            refilled.set_result(got)

    async def _count(
        self,
        client_id: str,
        quotas: list[Quota],
        window: int,
        size: int,
        now: float,
        lease: _Lease,
    ) -> RateDecision | CountersDown:
        """Count a block of `size` requests (or this one alone, if the block does not fit)."""
        try:
            while True:
                counts, verdicts = await self._hit(client_id, quotas, window, size, now)
                if all(verdict.allowed for verdict in verdicts) or size == 1:
                    break
                size = 1  # the block does not fit: count this one request alone
        except CountersUnavailable as error:
            self.outages.failed("rate-limit counters", error.__cause__ or error)
            return CountersDown(fail_open=self.store.fail_open)
        if not all(verdict.allowed for verdict in verdicts):
            return _decision(quotas, counts, now)
        lease.size_next = lease_size(verdicts)
        if size == 1 and lease.window == window and lease.unused > 0:
            return _decision(quotas, counts, now)  # counted alone: the block in use stays
        lease.window, lease.counts, lease.unused = window, counts, size - 1
        return _decision(quotas, _used(lease), now)

    async def _hit(
        self, client_id: str, quotas: list[Quota], window: int, size: int, now: float
    ) -> tuple[list[WindowCounts], list[Verdict]]:
        """Count `size` requests; a block that does not fit is taken back at once."""
        names = [quota.name for quota in quotas]
        counts = await self.store.hit(client_id, names, window, size)
        verdicts = [
            judge(quota, counted, now) for quota, counted in zip(quotas, counts, strict=True)
        ]
        if not all(verdict.allowed for verdict in verdicts):
            await self.store.undo(client_id, names, counts, size)
        return counts, verdicts

    def _lease(self, client_id: str, write: bool) -> _Lease:
        lease = self._leases.get((client_id, write))
        if lease is None:
            if len(self._leases) >= _MAX_LEASES:
                self._leases.clear()  # those in use stay with the requests holding them
            lease = self._leases[client_id, write] = _Lease()
        return lease

    async def close(self) -> None:
        await self.store.close()


def _used(lease: _Lease) -> list[WindowCounts]:
    """The counts as this server has used them: the block's unused part left out."""
    return [replace(counted, current=counted.current - lease.unused) for counted in lease.counts]


def _decision(quotas: list[Quota], counts: list[WindowCounts], now: float) -> RateDecision:
    verdicts = [judge(quota, counted, now) for quota, counted in zip(quotas, counts, strict=True)]
    allowed = all(verdict.allowed for verdict in verdicts)
    shown = min(verdicts, key=lambda verdict: (verdict.remaining, -verdict.retry_after))
    return RateDecision(allowed, shown, max(verdict.retry_after for verdict in verdicts))
