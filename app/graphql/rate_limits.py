"""Rate limits on GraphQL operations, per API client or, without a valid token, per
address, with X-RateLimit-* headers on the answer."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from sqlalchemy.exc import SQLAlchemyError
from strawberry.types.graphql import OperationType

from app.domain.rate_limits import address_key
from app.graphql.context import Context
from app.graphql.errors import rate_limited, service_unavailable, unauthenticated
from app.services.rate_limits import CountersDown, RateDecision, RateLimiter

log = logging.getLogger(__name__)


async def anonymous_refusal(context: Context) -> GraphQLError | None:
    """Why a request without a valid token goes no further than its token, before its
    document is even parsed: over its address's rate limits, or, in production (where
    introspection and GraphiQL are off, so nothing in the schema serves anyone anonymous),
    unauthenticated. In development anonymous documents go on, counted per address, for
    GraphiQL's introspection; their fields still answer UNAUTHENTICATED."""
    try:
        caller = await context.caller()
    except (SQLAlchemyError, OSError) as error:
        # The company lookup needs the database: without it nothing can be served.
        context.runtime.outages.failed("database", error)
        return service_unavailable()
    if caller is not None:
        return None
    limiter = context.runtime.rate_limiter
    if limiter is not None:
        address = context.request.client.host if context.request.client else ""
        refusal = await _counted(context, limiter, f"address:{address_key(address)}", False)
        if refusal is not None:
            return refusal
    if not context.runtime.settings.introspection_enabled:
        return unauthenticated()
    return None


async def rate_limit_refusal(
    context: Context, operation_type: OperationType
) -> GraphQLError | None:
    """Counts a valid operation of an authenticated client before it runs; the error refusing it.

    Documents refused by parsing or validation never get here and are not counted; anonymous
    requests were counted per address before parsing (anonymous_refusal).
    """
    limiter = context.runtime.rate_limiter
    caller = context.known_caller
    if limiter is None or caller is None:
        return None
    return await _counted(
        context, limiter, caller.client_id, operation_type is OperationType.MUTATION
    )


async def _counted(
    context: Context, limiter: RateLimiter, key: str, write: bool
) -> GraphQLError | None:
    decision = await limiter.check(key, write=write)
    if isinstance(decision, CountersDown):
        return None if decision.fail_open else service_unavailable()
    _set_headers(context, decision)
    if decision.allowed:
        return None
    return rate_limited(decision.retry_after)


def _set_headers(context: Context, decision: RateDecision) -> None:
    if context.response is None:
        return
    headers = context.response.headers
    headers["X-RateLimit-Limit"] = str(decision.shown.quota.limit)
    headers["X-RateLimit-Remaining"] = str(decision.shown.remaining)
    headers["X-RateLimit-Reset"] = str(decision.shown.reset_at)
    if not decision.allowed:
        headers["Retry-After"] = str(decision.retry_after)
