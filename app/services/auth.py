"""OAuth2 client credentials: issuing clients, checking secrets, signing and reading tokens."""

from __future__ import annotations

import functools
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.config import Settings
from app.services.tenants import ALL_SCOPES
from app.storage import companies, ids
from app.storage.companies import ApiClientRecord, CompanyRecord
from app.storage.db import UnitOfWork, connection_of

_ALGORITHM = "HS256"


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
    expires_at: int


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


@functools.cache
def _decoy_hash(hasher: PasswordHasher) -> str:
    # Verifying against this when the client id is unknown keeps both failures equally slow.
    return hasher.hash(secrets.token_urlsafe(32))


async def create_client(
    work: UnitOfWork,
    *,
    company_public_id: str,
    scopes: tuple[str, ...],
    hasher: PasswordHasher,
) -> IssuedClient | None:
    """A new client for the company, or None when the company does not exist."""
    connection = await connection_of(work)
    company = await companies.find_company(connection, company_public_id)
    if company is None:
        return None
    client_id = ids.new_public_id(ids.CLIENT)
    secret = secrets.token_urlsafe(32)
    await companies.insert_client(
        connection,
        client_id=client_id,
        secret_hash=hasher.hash(secret),
        scopes=" ".join(scopes),
        company_id=company.id,
        created_at=datetime.now(UTC),
    )
    await work.commit()
    return IssuedClient(client_id, secret, company.public_id, scopes)


async def authenticate_client(
    work: UnitOfWork, *, client_id: str, client_secret: str, hasher: PasswordHasher
) -> tuple[ApiClientRecord, CompanyRecord] | None:
    """The active client and its company when the secret matches, else None."""
    row = await companies.find_active_client(
        await connection_of(work), ids.lookup_key(ids.CLIENT, client_id)
    )
    stored_hash = row[0].secret_hash if row is not None else _decoy_hash(hasher)
    try:
        hasher.verify(stored_hash, client_secret)
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


def read_token(settings: Settings, token: str, *, now: datetime) -> TokenClaims | None:
    """The claims of a token this server signed and that has not expired at `now`, else None.

    Expiry is judged against the same clock that issued the token, not the library's own.
    """
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[_ALGORITHM],
            issuer=settings.token_issuer,
            options={"require": ["exp", "iat", "sub", "iss"], "verify_exp": False},
        )
    except jwt.PyJWTError:
        return None
    company, scope, subject = claims.get("company"), claims.get("scope"), claims.get("sub")
    expires_at = claims.get("exp")
    if not (isinstance(company, str) and isinstance(scope, str) and isinstance(subject, str)):
        return None
    if not isinstance(expires_at, int) or expires_at <= now.timestamp():
        return None
    return TokenClaims(subject, company, frozenset(scope.split()), expires_at)


class TokenReader:
    """read_token with the verified claims remembered until the token expires.

    Decoding and verifying a JWT costs more than the rest of authentication; a token's
    claims never change, so a verified token only needs its expiry checked again.
    """

    def __init__(
        self, settings: Settings, clock: Callable[[], datetime], max_entries: int = 10_000
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._max_entries = max_entries
        self._verified: dict[str, TokenClaims] = {}

    def read(self, token: str) -> TokenClaims | None:
        now = self._clock()
        claims = self._verified.get(token)
        if claims is not None:
            if claims.expires_at > now.timestamp():
                return claims
            del self._verified[token]
        claims = read_token(self._settings, token, now=now)
        if claims is not None:
            if len(self._verified) >= self._max_entries:
                self._verified.clear()  # bounded; refilling costs one decode per live token
            self._verified[token] = claims
        return claims
