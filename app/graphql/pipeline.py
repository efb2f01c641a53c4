"""The service's steps in Strawberry's operation pipeline, as schema extensions.

- DocumentCache and ValidatedDocumentCache: Strawberry's parser and validation caches,
  holding only documents small enough that a client cannot fill a worker's memory with them.
- OperationPolicy: the token first (a request without a valid one is counted per address,
  and in production refused before parsing); the access log's operation and client; the
  bounds on variables and the client's rate limits, checked before anything is coerced.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import cache

from graphql import (
    ExecutionResult,
    GraphQLError,
    GraphQLSyntaxError,
    build_schema,
    introspection_from_schema,
    parse,
)
from strawberry import Schema
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.types import ExecutionContext

from app.graphql.access_log import note_client, note_operation
from app.graphql.context import Context
from app.graphql.errors import ErrorCode
from app.graphql.limits import InputShapes, count_tokens
from app.graphql.rate_limits import anonymous_refusal, rate_limit_refusal

# Integrators send the same few documents all day; these bound what the caches can hold.
CACHED_DOCUMENTS = 256
CACHED_QUERY_CHARACTERS = 16_384


def _cacheable(query: str | None) -> bool:
    return query is not None and len(query) <= CACHED_QUERY_CHARACTERS


class DocumentCache(ParserCache):
    """Strawberry's parser cache, for documents of at most CACHED_QUERY_CHARACTERS; a
    document the parser refuses is answered with its code: too long, or malformed."""

    def __init__(self) -> None:
        super().__init__(maxsize=CACHED_DOCUMENTS)

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        try:
            if _cacheable(execution.query):
                yield from super().on_parse()
                return
            # Parsed as Strawberry parses with no cache, with the token limit.
            execution.graphql_document = parse(execution.query or "", **execution.parse_options)
        except GraphQLSyntaxError as error:
            raise self._coded(error) from None
        yield

    def _coded(self, error: GraphQLSyntaxError) -> GraphQLError:
        limit = self.execution_context.parse_options.get("max_tokens")
        query = self.execution_context.query or ""
        if limit is not None and count_tokens(query, limit) > limit:
            return GraphQLError(
                f"The document has more than {limit} tokens",
                extensions={"code": ErrorCode.TOO_MANY_TOKENS.value},
            )
        return GraphQLError(
            error.message,
            source=error.source,
            positions=error.positions,
            extensions={"code": ErrorCode.GRAPHQL_PARSE_FAILED.value},
        )


class ValidatedDocumentCache(ValidationCache):
    """Strawberry's validation cache, for the documents DocumentCache keeps."""

    def __init__(self) -> None:
        super().__init__(maxsize=CACHED_DOCUMENTS)

    def on_validate(self) -> Iterator[None]:
        if _cacheable(self.execution_context.query):
            yield from super().on_validate()
            return
        yield  # left to Strawberry, which validates when no extension has


class OperationPolicy(SchemaExtension):
    """A refused operation runs nothing and writes nothing (see the module's docstring)."""

    async def on_operation(self) -> AsyncIterator[None]:
        refusal = await anonymous_refusal(self.execution_context.context)
        if refusal is not None:
            raise refusal  # before the document is parsed: Strawberry answers it, no data
        yield

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        note_operation(execution.operation_name, execution.operation_type)
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context: Context = execution.context
        refusal = _variables_refusal(execution, context.runtime.settings.max_variable_list_items)
        if refusal is None:
            refusal = await rate_limit_refusal(context, execution.operation_type)
        if refusal is not None:
            execution.result = ExecutionResult(data=None, errors=[refusal])
        yield
        note_client(context)


@cache
def _input_shapes(schema: Schema) -> InputShapes:
    # From the printed schema: Schema.introspect() would run this very pipeline.
    return InputShapes.of(introspection_from_schema(build_schema(schema.as_str())))


def _variables_refusal(execution: ExecutionContext, max_items: int) -> GraphQLError | None:
    if not execution.variables or execution.graphql_document is None:
        return None
    shapes = _input_shapes(execution.schema)
    return shapes.refusal(
        execution.graphql_document, execution.operation_name, execution.variables, max_items
    )
