"""The HTTP view of the schema: strict JSON parsing, context, and masking of faults."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from cross_web import HTTPException
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from app.graphql.context import Context
from app.graphql.errors import internal, service_unavailable
from app.graphql.schema import is_fault, schema
from app.runtime import Runtime

log = logging.getLogger("app.graphql")

# Errors meaning "the database cannot be reached right now", not "this request is wrong".
_OUTAGES: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


# PostgreSQL SQLSTATEs of the same kind, raised by asyncpg before SQLAlchemy can classify
# them (a connect fails with the server's own error): connection exceptions (class 08, which
# includes asyncpg's ConnectionDoesNotExistError), insufficient resources (class 53: too many
# connections, disk full), and shutdown or startup in progress (57P01-57P03).
_OUTAGE_SQLSTATE_CLASSES = ("08", "53")
_OUTAGE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def _is_outage(error: BaseException | None) -> bool:
    for cause in _causes(error):
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, _OUTAGES):
            return True
        sqlstate = getattr(cause, "sqlstate", None)
        if isinstance(sqlstate, str) and (
            sqlstate[:2] in _OUTAGE_SQLSTATE_CLASSES or sqlstate in _OUTAGE_SQLSTATES
        ):
            return True
    return False


def _causes(error: BaseException | None) -> list[BaseException]:
    """The error, what SQLAlchemy wrapped, and what it was raised from, each once."""
    seen: list[BaseException] = []
    while error is not None and all(error is not known for known in seen) and len(seen) < 10:
        seen.append(error)
        wrapped = getattr(error, "orig", None)
        error = wrapped if isinstance(wrapped, BaseException) else error.__cause__
    return seen


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, runtime_of: Any, *, graphql_ide: bool = True) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphql_ide else None)
        self._runtime_of = runtime_of

    async def get_context(self, request: Request, response: Response | Any) -> Context:  # type: ignore[override]
        runtime: Runtime = self._runtime_of(request)
        return Context(request=request, runtime=runtime)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise HTTPException(400, "Unable to parse request body as JSON") from error
        if not isinstance(value, dict | list):
            raise HTTPException(400, "The request body must be a JSON object")
        return value

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [self._presentable(error) for error in result.errors]
        return await super().process_result(request, result)

    @staticmethod
    def _presentable(error: Any) -> Any:
        """Faults keep their trace in the log; the client gets a code, never internals."""
        if not is_fault(error):
            return error
        original = error.original_error
        replacement = service_unavailable() if _is_outage(original) else internal()
        return StrawberryGraphQLError(
            replacement.message,
            nodes=error.nodes,
            path=error.path,
            extensions=replacement.extensions,
        )
