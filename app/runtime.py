"""What one server process holds for its lifetime: settings, engine, caches and clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.services.auth import SecretVerifier, TokenReader
from app.services.rate_limits import RateLimiter
from app.services.tenants import TenantDirectory
from app.services.token_throttle import TokenThrottle
from app.services.webhook_events import Subscriptions
from app.services.webhook_secrets import SecretBox
from app.storage.db import create_engine, session_factory
from app.storage.outages import OutageLog, new_outage_log


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    tenants: TenantDirectory
    tokens: TokenReader
    secrets: SecretVerifier
    token_throttle: TokenThrottle
    webhook_secrets: SecretBox
    # Which companies want webhook events, remembered briefly (app/services/webhook_events).
    webhook_subscriptions: Subscriptions
    clock: Callable[[], datetime] = field(default=system_clock)
    rate_limiter: RateLimiter | None = None  # None when rate limits are turned off
    # Outages met by this process's requests, logged once per interval.
    outages: OutageLog = field(default_factory=new_outage_log)

    @classmethod
    def start(cls, settings: Settings, clock: Callable[[], datetime] | None = None) -> Runtime:
        engine = create_engine(settings)
        clock = clock or system_clock
        outages = new_outage_log()
        return cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            tenants=TenantDirectory(engine),
            tokens=TokenReader(settings, clock),
            secrets=SecretVerifier(
                settings.secret_hasher, threads=settings.client_secret_verify_threads
            ),
            token_throttle=TokenThrottle(
                per_client=settings.token_failures_per_client,
                per_address=settings.token_failures_per_address,
                window_seconds=settings.token_failure_window_seconds,
                clock=clock,
            ),
            webhook_secrets=SecretBox(settings.secret_key),
            webhook_subscriptions=Subscriptions(settings.webhook_subscription_cache_seconds),
            clock=clock,
            rate_limiter=RateLimiter.from_settings(settings, engine, clock, outages),
            outages=outages,
        )

    async def stop(self) -> None:
        self.secrets.close()
        if self.rate_limiter is not None:
            await self.rate_limiter.close()
        await self.engine.dispose()
