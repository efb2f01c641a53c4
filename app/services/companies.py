"""Registering a company (tenant): operators do it from the command line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain import fields as rules
from app.domain.errors import FieldError, Problem, ValidationCode
from app.storage import companies, ids
from app.storage.db import UnitOfWork, connection_of


@dataclass(frozen=True, slots=True)
class CreatedCompany:
    company_id: str
    name: str
    timezone: str
    country: str


def _zone(name: str) -> str | Problem:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return Problem(ValidationCode.INVALID_VALUE, f'unknown time zone "{name}"')
    return name


async def create_company(
    work: UnitOfWork, *, name: str, timezone: str = "Europe/Paris", country: str = "FR"
) -> CreatedCompany | list[FieldError]:
    checks = {
        "name": rules.text(rules.NAME_MAX)(name.strip()) if name.strip() else rules.REQUIRED,
        "timezone": _zone(timezone.strip()),
        "country": rules.country(country.strip()),
    }
    errors = [FieldError(f, p.code, p.message) for f, p in checks.items() if isinstance(p, Problem)]
    if errors:
        return errors
    company = await companies.insert_company(
        await connection_of(work),
        public_id=ids.new_public_id(ids.COMPANY),
        name=str(checks["name"]),
        timezone=str(checks["timezone"]),
        country=str(checks["country"]),
        created_at=datetime.now(UTC),
    )
    await work.commit()
    return CreatedCompany(company.public_id, company.name, company.timezone, company.country)


async def find_company_key(work: UnitOfWork, public_id: str) -> int | None:
    """The database key of the company with that public id, for operator commands."""
    company = await companies.find_company(await connection_of(work), public_id)
    return None if company is None else company.id
