"""The company and api_client tables: tenants, and the OAuth2 clients that act for them."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.storage.models import ApiClient, Company

_COMPANY: Table = Company.__table__  # type: ignore[attr-defined]
_CLIENT: Table = ApiClient.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class CompanyRecord:
    id: int  # the database key every other row refers to, never shown to callers
    public_id: str
    name: str
    timezone: str
    country: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiClientRecord:
    id: int
    client_id: str
    secret_hash: str  # never the secret itself
    scopes: str  # space-separated
    company_id: int
    active: bool
    created_at: datetime


_COMPANY_COLUMNS = [_COMPANY.c[field.name] for field in fields(CompanyRecord)]
_CLIENT_COLUMNS = [_CLIENT.c[field.name] for field in fields(ApiClientRecord)]


async def insert_company(
    connection: AsyncConnection,
    *,
    public_id: str,
    name: str,
    timezone: str,
    country: str,
    created_at: datetime,
) -> CompanyRecord:
    values = {
        "public_id": public_id,
        "name": name,
        "timezone": timezone,
        "country": country,
        "created_at": created_at,
    }
    key = (await connection.execute(insert(_COMPANY).returning(_COMPANY.c.id), values)).scalar_one()
    return CompanyRecord(
        id=key,
        public_id=public_id,
        name=name,
        timezone=timezone,
        country=country,
        created_at=created_at,
    )


async def find_company(connection: AsyncConnection, public_id: str) -> CompanyRecord | None:
    statement = select(*_COMPANY_COLUMNS).where(_COMPANY.c.public_id == public_id)
    row = (await connection.execute(statement)).first()
    return None if row is None else CompanyRecord(*row)


async def insert_client(
    connection: AsyncConnection,
    *,
    client_id: str,
    secret_hash: str,
    scopes: str,
    company_id: int,
    created_at: datetime,
) -> ApiClientRecord:
    values = {
        "client_id": client_id,
        "secret_hash": secret_hash,
        "scopes": scopes,
        "company_id": company_id,
        "active": True,
        "created_at": created_at,
    }
    key = (await connection.execute(insert(_CLIENT).returning(_CLIENT.c.id), values)).scalar_one()
    return ApiClientRecord(
        id=key,
        client_id=client_id,
        secret_hash=secret_hash,
        scopes=scopes,
        company_id=company_id,
        active=True,
        created_at=created_at,
    )


async def find_active_client(
    connection: AsyncConnection, client_id: str
) -> tuple[ApiClientRecord, CompanyRecord] | None:
    """The active client with that id and the company it acts for, else None."""
    statement = (
        select(*_CLIENT_COLUMNS, *_COMPANY_COLUMNS)
        .join(_COMPANY, _COMPANY.c.id == _CLIENT.c.company_id)
        .where(_CLIENT.c.client_id == client_id, _CLIENT.c.active)
    )
    row = (await connection.execute(statement)).first()
    if row is None:
        return None
    split = len(_CLIENT_COLUMNS)
    return ApiClientRecord(*row[:split]), CompanyRecord(*row[split:])


async def zone_of(connection: AsyncConnection, company_key: int) -> ZoneInfo:
    """The time zone the company with that key reads its instants in."""
    timezone = await connection.scalar(
        select(_COMPANY.c.timezone).where(_COMPANY.c.id == company_key)
    )
    return ZoneInfo(str(timezone))
