"""Who is calling: the company a token speaks for, with its scopes and time zone."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from app.storage.companies import find_company


class Scope(enum.Enum):
    DEBTS_READ = "debts:read"
    DEBTS_WRITE = "debts:write"
    TIMELINES_READ = "timelines:read"
    TIMELINES_WRITE = "timelines:write"
    WEBHOOKS_READ = "webhooks:read"
    WEBHOOKS_WRITE = "webhooks:write"


ALL_SCOPES = frozenset(scope.value for scope in Scope)


@dataclass(frozen=True, slots=True)
class Tenant:
    """A company as the request path needs it: its key and its clock."""

    id: int
    public_id: str
    zone: ZoneInfo
    country: str


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated API client acting for one company."""

    client_id: str
    tenant: Tenant
    scopes: frozenset[str]


class TenantDirectory:
    """Companies by public id, cached briefly: every request needs one, they rarely change."""

    def __init__(self, engine: AsyncEngine, ttl_seconds: float = 60.0) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, Tenant | None]] = {}

    async def find(self, public_id: str) -> Tenant | None:
        now = time.monotonic()
        cached = self._cache.get(public_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self._engine.connect() as connection:
            company = await find_company(connection, public_id)
        tenant = (
            None
            if company is None
            else Tenant(company.id, company.public_id, ZoneInfo(company.timezone), company.country)
        )
        if len(self._cache) > 10_000:  # bounded: ids come from signed tokens, but still
            self._cache.clear()
        self._cache[public_id] = (now + self._ttl, tenant)
        return tenant
