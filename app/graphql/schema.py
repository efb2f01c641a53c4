"""The schema: every domain's queries and mutations, run by Strawberry's own pipeline.

Each request limit, cache and policy is one of Strawberry's schema extensions, in the order
they act: the token limit and the limit rules are set when the operation starts, the
document is parsed and validated through the caches, then the operation is counted against
the client's rate limits before it runs (app/graphql/pipeline.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from app.graphql.context import Context
from app.graphql.debts.mutations import DebtChangeMutations, DebtMutations
from app.graphql.debts.queries import DebtQueries
from app.graphql.imports.mutations import ImportMutations
from app.graphql.limits import DocumentLimits, limit_rules
from app.graphql.pipeline import DocumentCache, OperationPolicy, ValidatedDocumentCache
from app.graphql.scalars import SCALARS
from app.graphql.timelines.resolvers import TimelineMutations, TimelineQueries
from app.graphql.webhooks.resolvers import WebhookMutations, WebhookQueries
from app.storage.outages import OutageLog, is_outage, new_outage_log

log = logging.getLogger("app.graphql")

ExtensionFactory = Callable[[], SchemaExtension]


@strawberry.type(description="Reads. Each field needs a bearer token with its scope.")
class Query(DebtQueries, TimelineQueries, WebhookQueries):
    pass


@strawberry.type(description="Writes. Each field needs a bearer token with its scope.")
class Mutation(
    DebtMutations, DebtChangeMutations, ImportMutations, TimelineMutations, WebhookMutations
):
    pass


def is_fault(error: GraphQLError) -> bool:
    """A bug or an outage, as opposed to an error the client caused and can read.

    A fault is an exception that is not a GraphQL error, raised by a resolver (the error
    has a path) or around the operation, by an extension (Strawberry wraps it with no
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
        # Client errors are answers, not incidents: only faults are logged, bugs with their
        # trace, outages once per interval.
        for error in errors:
            if not is_fault(error):
                continue
            original = error.original_error
            if original is not None and is_outage(original):
                _outage_log(execution_context).failed("database", original)
            else:
                log.error("unhandled error in %s", error.path, exc_info=original)


# Outages outside any request's runtime (a schema run without the service's context).
_SPARE_OUTAGE_LOG = new_outage_log()


def _outage_log(execution_context: ExecutionContext | None) -> OutageLog:
    context = execution_context.context if execution_context is not None else None
    return context.runtime.outages if isinstance(context, Context) else _SPARE_OUTAGE_LOG


def build_schema(
    limits: DocumentLimits, extensions: Sequence[ExtensionFactory] = ()
) -> strawberry.Schema:
    """The schema enforcing these limits; `extensions` run after the service's own."""
    rules = list(limit_rules(limits))
    return DebtSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(scalar_map=SCALARS),
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: AddValidationRules(rules),
            DocumentCache,
            ValidatedDocumentCache,
            OperationPolicy,
            *extensions,
        ],
    )


@cache
def schema_for(limits: DocumentLimits) -> strawberry.Schema:
    """One schema per set of limits, shared by the applications that use them."""
    return build_schema(limits)


# What `strawberry export-schema app.graphql.schema:schema` exports: the limits do not
# change the types.
schema = schema_for(DocumentLimits.default())
