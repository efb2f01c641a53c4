"""OAuth2 client credentials: issuing clients, checking secrets, signing and reading tokens."""

from __future__ import annotations

import asyncio
import functools
import secrets
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.services.tenants import ALL_SCOPES
from app.storage import companies, ids
from app.storage.db import UnitOfWork, connection_of

_ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class IssuedClient:
    client_id: str
    client_secret: str
    company_id: str
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuthenticatedClient:
    client_id: str
    company_id: str  # the company's public id
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


class SecretVerifier:
    """Checks client secrets against their argon2 hashes on threads of its own, a few at a time.

    A verification is slow on purpose and holds a core while it runs: on the event loop it
    would stall every other request of the worker meanwhile, so a flood of wrong secrets
    would slow everyone's reads. argon2-cffi releases the GIL while it hashes, so a thread
    runs it beside the loop. The executor bounds the threads even when a waiting request
    is cancelled (a thread that started runs to its end and keeps its place), which a
    semaphore around asyncio.to_thread would not; a request cancelled before its turn
    costs nothing.
    """

    def __init__(self, hasher: PasswordHasher, *, threads: int) -> None:
        self._hasher = hasher
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="secret")

    async def verify(self, stored_hash: str | None, secret: str) -> bool:
        """Whether `secret` matches the hash; no hash (no such client) takes as long, and fails."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._matches, stored_hash, secret)

    def _matches(self, stored_hash: str | None, secret: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or _decoy_hash(self._hasher), secret)
        except (VerificationError, InvalidHashError):
            return False

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


async def authenticate_client(
    sessions: async_sessionmaker[AsyncSession],
    *,
    client_id: str,
    client_secret: str,
    verifier: SecretVerifier,
) -> AuthenticatedClient | None:
    """The active client when the secret matches, else None.

    Takes the session factory rather than a session: the connection goes back to the pool
    before the secret is verified, so requests waiting for a verification thread (a flood
    of wrong secrets) hold no database connection.
    """
    async with sessions() as session:
        found = await companies.find_active_client(
            await session.connection(), ids.lookup_key(ids.CLIENT, client_id)
        )
    matched = await verifier.verify(found[0].secret_hash if found else None, client_secret)
    if found is None or not matched:
        return None
    client, company = found
    return AuthenticatedClient(client.client_id, company.public_id, tuple(client.scopes.split()))


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
