"""The schema: every domain's queries and mutations merged, with parse and validation caches."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from app.graphql.access_log import OperationLog
from app.graphql.debts.mutations import DebtMutations
from app.graphql.debts.queries import DebtQueries
from app.graphql.imports.mutations import ImportMutations
from app.graphql.limits import RequestLimits
from app.graphql.rate_limits import ClientRateLimits
from app.graphql.scalars import SCALARS
from app.graphql.timelines.resolvers import TimelineMutations, TimelineQueries

log = logging.getLogger("app.graphql")


@strawberry.type(description="Reads. Each field needs a bearer token with its scope.")
class Query(DebtQueries, TimelineQueries):
    pass


@strawberry.type(description="Writes. Each field needs a bearer token with its scope.")
class Mutation(DebtMutations, ImportMutations, TimelineMutations):
    pass


def is_fault(error: GraphQLError) -> bool:
    """A bug or an outage, as opposed to an error the client caused and can read.

    A fault is an exception that is not a GraphQL error, raised by a resolver (the error
    has a path) or around the operation, by a schema extension (Strawberry wraps it with no
    location). graphql-core's own errors that carry an exception, such as a variable value
    a scalar refused, always point at the variable or argument they refuse.
    """
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return error.path is not None or not error.nodes


class DebtSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Client errors are answers, not incidents: only faults are logged, with their trace.
        for error in errors:
            if is_fault(error):
                log.error("unhandled error in %s", error.path, exc_info=error.original_error)


schema = DebtSchema(
    query=Query,
    mutation=Mutation,
    # RequestLimits parses (with its own cache) and adds the limit rules to validation.
    extensions=[
        RequestLimits,
        lambda: ValidationCache(maxsize=256),
        ClientRateLimits,
        OperationLog,
    ],
    config=StrawberryConfig(scalar_map=SCALARS),
)
