"""Per-request GraphQL context: the runtime, and the caller read from the bearer token."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from app.runtime import Runtime
from app.services.tenants import Caller


@dataclass
class Context:
    request: Request
    runtime: Runtime
    # Headers set here are sent with the GraphQL response (rate-limit headers).
    response: Response | None = None
    _caller: Caller | None = field(default=None, init=False)
    _authenticated: bool = field(default=False, init=False)

    async def caller(self) -> Caller | None:
        """The token's client and company, or None when the token is absent or invalid."""
        if not self._authenticated:
            self._caller = await self._authenticate()
            self._authenticated = True
        return self._caller

    @property
    def known_caller(self) -> Caller | None:
        """The caller if something already authenticated this request; never looks it up."""
        return self._caller

    async def _authenticate(self) -> Caller | None:
        scheme, _, token = self.request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        claims = self.runtime.tokens.read(token.strip())
        if claims is None:
            return None
        tenant = await self.runtime.tenants.find(claims.company_id)
        if tenant is None:
            return None
        return Caller(claims.client_id, tenant, claims.scopes)


Info = StrawberryInfo[Context, None]
