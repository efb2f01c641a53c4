"""Small factories: companies, clients and timelines created through the services."""

from __future__ import annotations

import uuid

from app.domain.timelines import TimelineInput
from app.runtime import Runtime
from app.services.auth import IssuedClient, create_client
from app.services.companies import CreatedCompany, create_company, find_company_key
from app.services.tenants import ALL_SCOPES
from app.services.timelines import TimelineView, create_timeline


async def make_company(
    runtime: Runtime, *, timezone: str = "Europe/Paris", country: str = "FR"
) -> CreatedCompany:
    async with runtime.sessions() as session:
        created = await create_company(
            session, name=f"Company {uuid.uuid4().hex[:8]}", timezone=timezone, country=country
        )
    assert not isinstance(created, list), created
    return created


async def make_client(
    runtime: Runtime, company_id: str, scopes: tuple[str, ...] = tuple(sorted(ALL_SCOPES))
) -> IssuedClient:
    async with runtime.sessions() as session:
        issued = await create_client(
            session,
            company_public_id=company_id,
            scopes=scopes,
            hasher=runtime.settings.secret_hasher,
        )
    assert issued is not None
    return issued


async def make_timeline(runtime: Runtime, company_id: str, **fields: object) -> TimelineView:
    raw = TimelineInput(**{"name": "Default timeline", **fields})  # type: ignore[arg-type]
    async with runtime.sessions() as session:
        key = await find_company_key(session, company_id)
        assert key is not None
        created = await create_timeline(session, company_id=key, raw=raw, now=runtime.clock())
    assert not isinstance(created, list), created
    return created
