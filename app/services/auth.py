"""OAuth2 client credentials: issuing clients, checking secrets, signing and reading tokens."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.services.tenants import ALL_SCOPES
from app.storage import ids
from app.storage.models import ApiClient, Company

_ALGORITHM = "HS256"
_hasher = PasswordHasher()
# Verifying against this when the client id is unknown keeps both failures equally slow.
_DECOY_HASH = _hasher.hash(secrets.token_urlsafe(32))


@dataclass(frozen=True, slots=True)
class IssuedClient:
    client_id: str
    client_secret: str
    company_id: str
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccessToken:
    access_token: str
    expires_in: int
    scope: str


@dataclass(frozen=True, slots=True)
class TokenClaims:
    client_id: str
    company_id: str
    scopes: frozenset[str]


class UnknownScopes(ValueError):
    """Scopes outside the four this API defines."""


def parse_scopes(text: str) -> tuple[str, ...]:
    """Space- or comma-separated scopes, each one of ALL_SCOPES, in a stable order."""
    scopes = sorted({item for item in text.replace(",", " ").split() if item})
    unknown = [scope for scope in scopes if scope not in ALL_SCOPES]
    if unknown:
        raise UnknownScopes(
            f"unknown scopes: {', '.join(unknown)}; known: {', '.join(sorted(ALL_SCOPES))}"
        )
    return tuple(scopes)


async def create_client(
    session: AsyncSession, *, company_public_id: str, scopes: tuple[str, ...]
) -> IssuedClient | None:
    """A new client for the company, or None when the company does not exist."""
    company = (
        await session.exec(select(Company).where(Company.public_id == company_public_id))
    ).first()
    if company is None or company.id is None:
        return None
    client_id = ids.new_public_id(ids.CLIENT)
    secret = secrets.token_urlsafe(32)
    session.add(
        ApiClient(
            client_id=client_id,
            secret_hash=_hasher.hash(secret),
            scopes=" ".join(scopes),
            company_id=company.id,
        )
    )
    await session.commit()
    return IssuedClient(client_id, secret, company.public_id, scopes)


async def authenticate_client(
    session: AsyncSession, *, client_id: str, client_secret: str
) -> tuple[ApiClient, Company] | None:
    """The active client and its company when the secret matches, else None."""
    row = (
        await session.exec(
            select(ApiClient, Company)
            .join(Company, Company.id == ApiClient.company_id)  # type: ignore[arg-type]
            .where(ApiClient.client_id == ids.lookup_key(client_id), ApiClient.active)
        )
    ).first()
    stored_hash = row[0].secret_hash if row is not None else _DECOY_HASH
    try:
        _hasher.verify(stored_hash, client_secret)
    except (VerificationError, InvalidHashError):
        return None
    return row


def issue_token(
    settings: Settings, *, client_id: str, company_id: str, scopes: tuple[str, ...], now: datetime
) -> AccessToken:
    lifetime = settings.token_lifetime_seconds
    scope = " ".join(scopes)
    claims = {
        "iss": settings.token_issuer,
        "sub": client_id,
        "company": company_id,
        "scope": scope,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=lifetime)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return AccessToken(
        jwt.encode(claims, settings.secret_key, algorithm=_ALGORITHM), lifetime, scope
    )


def read_token(settings: Settings, token: str) -> TokenClaims | None:
    """The claims of a token this server signed and that has not expired, else None."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[_ALGORITHM],
            issuer=settings.token_issuer,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    company, scope, subject = claims.get("company"), claims.get("scope"), claims.get("sub")
    if not (isinstance(company, str) and isinstance(scope, str) and isinstance(subject, str)):
        return None
    return TokenClaims(subject, company, frozenset(scope.split()))
