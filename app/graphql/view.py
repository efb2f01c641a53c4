"""The HTTP view of the schema: strict JSON parsing, context, and masking of faults."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError, StrawberryGraphQLError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from app.graphql import json_body
from app.graphql.access_log import note_outcome
from app.graphql.context import Context
from app.graphql.errors import internal, service_unavailable, with_default_code
from app.graphql.graphiql import DEFAULT_ASSETS_DIR, graphiql_response
from app.graphql.schema import is_fault, schema
from app.runtime import Runtime
from app.storage.outages import is_outage

log = logging.getLogger("app.graphql")


class GraphQLView(GraphQL[Context, None]):
    def __init__(
        self,
        runtime_of: Any,
        *,
        graphql_ide: bool = True,
        graphiql_assets: Path = DEFAULT_ASSETS_DIR,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphql_ide else None)
        self._runtime_of = runtime_of
        self._graphiql_assets = graphiql_assets

    async def run(  # type: ignore[override]
        self, request: Request, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response:
        """Strawberry's view, with a short way for the commonest request.

        A POST of one operation as an application/json object, not asking for a streamed
        answer, is executed here: Strawberry's general parsing (content-type parameters,
        transports, batches, uploads) and its checks of the result against its streaming
        protocols cost about 6% of a createDebt's CPU. Every other request, and any such body
        of another shape, takes Strawberry's own way, which answers it as before.
        """
        operation = await _plain_operation(request, self.parse_json)
        if operation is None:
            return await super().run(request, context, root_value)
        query, variables, operation_name, extensions = operation
        sub_response = await self.get_sub_response(request)
        if context is UNSET:
            context = await self.get_context(request, response=sub_response)
        if root_value is UNSET:
            root_value = None  # what get_root_value gives: the schema has no root value
        try:
            result = await self.schema.execute(
                query,
                root_value=root_value,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
                allowed_operation_types=_POST_OPERATIONS,
                operation_extensions=extensions,
            )
        except CannotGetOperationTypeError as error:  # as Strawberry's execute_single words it
            raise HTTPException(400, error.as_http_error_reason()) from error
        except InvalidOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason("POST")) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error
        response_data = await self.process_result(request=request, result=result)
        return self.create_response(response_data=response_data, sub_response=sub_response)

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_response(request, self._graphiql_assets)

    async def get_context(self, request: Request, response: Response | Any) -> Context:  # type: ignore[override]
        runtime: Runtime = self._runtime_of(request)
        sub_response = response if isinstance(response, Response) else None
        return Context(request=request, runtime=runtime, response=sub_response)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            value = json_body.loads(data)
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
        note_outcome(result.errors)
        return await super().process_result(request, result)

    @staticmethod
    def _presentable(error: Any) -> Any:
        """Faults keep their trace in the log; the client gets a code, never internals."""
        if not is_fault(error):
            return with_default_code(error)
        original = error.original_error
        replacement = service_unavailable() if is_outage(original) else internal()
        return StrawberryGraphQLError(
            replacement.message,
            nodes=error.nodes,
            path=error.path,
            extensions=replacement.extensions,
        )


_POST_OPERATIONS = frozenset(OperationType.from_http("POST"))
# Accept values that ask Strawberry for a streamed answer (multipart, server-sent events).
_STREAMED = ("multipart/", "text/event-stream")


async def _plain_operation(
    request: Request, parse_json: Any
) -> tuple[str, dict[str, Any] | None, str | None, dict[str, Any] | None] | None:
    """query, variables, operationName and extensions of a plain JSON POST, else None."""
    if request.method != "POST":
        return None
    headers = request.headers
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    accept = headers.get("accept", "").lower()
    if media_type != "application/json" or any(kind in accept for kind in _STREAMED):
        return None
    data = parse_json(await request.body())  # kept by the request, should Strawberry read it
    if not isinstance(data, dict):
        return None
    query, variables = data.get("query"), data.get("variables")
    operation_name, extensions = data.get("operationName"), data.get("extensions")
    if (
        not isinstance(query, str)
        or not isinstance(variables, dict | None)
        or not isinstance(operation_name, str | None)
        or not isinstance(extensions, dict | None)
    ):
        return None
    return query, variables, operation_name, extensions
