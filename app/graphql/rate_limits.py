"""Per-client rate limits on GraphQL operations, with X-RateLimit-* headers on the answer."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from sqlalchemy.exc import SQLAlchemyError
from strawberry.types.graphql import OperationType

from app.graphql.context import Context
from app.graphql.errors import rate_limited, service_unavailable
from app.services.rate_limits import CountersDown, RateDecision
from app.storage.outages import outages

log = logging.getLogger(__name__)


async def rate_limit_refusal(
    context: Context, operation_type: OperationType
) -> GraphQLError | None:
    """Counts a valid operation of an authenticated client before it runs; the error refusing it.

    Documents refused by parsing or validation never get here, cost no database work, and
    are not counted; anonymous requests have no client to count against and are answered
    UNAUTHENTICATED by the resolvers.
    """
    limiter = context.runtime.rate_limiter
    if limiter is None:
        return None
    try:
        caller = await context.caller()
    except (SQLAlchemyError, OSError) as error:
        # The company lookup needs the database: without it nothing can be served.
        outages.failed("database", error)
        return service_unavailable()
    if caller is None:
        return None
    write = operation_type is OperationType.MUTATION
    decision = await limiter.check(caller.client_id, write=write)
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
