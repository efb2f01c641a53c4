"""Authorization for resolvers: a valid token first, then the scope the field needs."""

from __future__ import annotations

from app.graphql.context import Info
from app.graphql.errors import forbidden, unauthenticated
from app.services.tenants import Caller, Scope


async def authorize(info: Info, scope: Scope) -> Caller:
    """The caller, or a GraphQL error (UNAUTHENTICATED, then FORBIDDEN) before any work."""
    caller = await info.context.caller()
    if caller is None:
        raise unauthenticated()
    if scope.value not in caller.scopes:
        raise forbidden(scope.value)
    return caller
