"""Rate limits per API client: every operation counts, mutations count as writes too."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.domain.rate_limits import Quota, Verdict, judge
from app.storage.rate_limits import (
    CounterStore,
    CountersUnavailable,
    DatabaseCounters,
    RedisCounters,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    shown: Verdict  # the tightest quota: what the X-RateLimit-* headers report
    retry_after: int  # seconds; 0 when allowed


@dataclass(frozen=True, slots=True)
class CountersDown:
    """The counters could not be read; `fail_open` says whether to serve anyway."""

    fail_open: bool


class RateLimiter:
    def __init__(
        self,
        store: CounterStore,
        *,
        requests: Quota,
        writes: Quota,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.requests = requests
        self.writes = writes
        self._clock = clock

    @classmethod
    def from_settings(
        cls, settings: Settings, engine: AsyncEngine, clock: Callable[[], datetime]
    ) -> RateLimiter | None:
        if not settings.rate_limits_enabled:
            return None
        window = settings.rate_limit_window_seconds
        store: CounterStore = (
            RedisCounters(
                settings.redis_url,
                window_seconds=window,
                timeout=settings.redis_timeout_seconds,
            )
            if settings.redis_url
            else DatabaseCounters(engine)
        )
        return cls(
            store,
            requests=Quota("requests", settings.rate_limit_requests, window),
            writes=Quota("writes", settings.rate_limit_writes, window),
            clock=clock,
        )

    async def check(self, client_id: str, *, write: bool) -> RateDecision | CountersDown:
        """Count this operation, unless it is over a quota: then it is refused, uncounted."""
        quotas = [self.requests, self.writes] if write else [self.requests]
        names = [quota.name for quota in quotas]
        now = self._clock().timestamp()
        # Both quotas share the window size, so they share the window index.
        window = self.requests.window_of(now)
        try:
            counts = await self.store.hit(client_id, names, window)
            verdicts = [
                judge(quota, counted, now) for quota, counted in zip(quotas, counts, strict=True)
            ]
            allowed = all(verdict.allowed for verdict in verdicts)
            if not allowed:
                await self.store.undo(client_id, names, counts)
        except CountersUnavailable:
            log.warning("rate-limit counters unavailable", exc_info=True)
            return CountersDown(fail_open=self.store.fail_open)
        shown = min(verdicts, key=lambda verdict: (verdict.remaining, -verdict.retry_after))
        return RateDecision(allowed, shown, max(verdict.retry_after for verdict in verdicts))

    async def close(self) -> None:
        await self.store.close()
