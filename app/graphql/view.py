"""The HTTP view: Strawberry's ASGI view, with strict JSON, the context and fault masking."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult

from app.graphql import json_body
from app.graphql.access_log import note_outcome
from app.graphql.context import Context
from app.graphql.errors import (
    internal,
    service_unavailable,
    with_default_code,
    without_suggestions,
)
from app.graphql.graphiql import DEFAULT_ASSETS_DIR, graphiql_response
from app.graphql.over_http import (
    GRAPHQL_RESPONSE,
    JSON,
    is_request_error,
    request_error_status,
    response_media_type,
)
from app.graphql.schema import is_fault
from app.runtime import Runtime
from app.storage.outages import is_outage

log = logging.getLogger("app.graphql")


class GraphQLView(GraphQL[Context, None]):
    def __init__(
        self,
        schema: BaseSchema,
        runtime_of: Any,
        *,
        graphql_ide: bool = True,
        graphiql_assets: Path = DEFAULT_ASSETS_DIR,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphql_ide else None)
        self._runtime_of = runtime_of
        self._graphiql_assets = graphiql_assets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except MethodNotAllowed as refusal:  # Strawberry's own answer has no Allow header
            response = PlainTextResponse(refusal.reason, 405, headers={"Allow": refusal.allow})
            await response(scope, receive, send)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> Any:
        media_type = (request.content_type or "").partition(";")[0].strip().lower()
        if request.method == "POST" and media_type != JSON:
            raise HTTPException(415, f"Unsupported Media Type: send {JSON}")
        return await super().parse_http_body(request)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        if request_adapter.method == "GET" and _is_mutation(request_data):
            raise MethodNotAllowed("Mutations are sent with POST", allow="POST")
        return await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        return sub_response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            if isinstance(response_data, dict) and is_request_error(response_data):
                response.status_code = request_error_status(response_data)
        return response

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
            # Suggestions name fields, types and enum values: the schema that introspection
            # would show, so they go with it.
            hide_suggestions = not self._runtime_of(request).settings.introspection_enabled
            result.errors = [self._presentable(e, hide_suggestions) for e in result.errors]
        note_outcome(result.errors)
        answer = await super().process_result(request, result)
        if is_request_error(answer):
            answer.pop("data", None)  # nothing ran: GraphQL over HTTP leaves data out
        return answer

    @staticmethod
    def _presentable(error: Any, hide_suggestions: bool) -> Any:
        """Faults keep their trace in the log; the client gets a code, never internals."""
        if not is_fault(error):
            coded = with_default_code(error)
            return without_suggestions(coded) if hide_suggestions else coded
        original = error.original_error
        replacement = service_unavailable() if is_outage(original) else internal()
        return StrawberryGraphQLError(
            replacement.message,
            nodes=error.nodes,
            path=error.path,
            extensions=replacement.extensions,
        )


class MethodNotAllowed(Exception):
    """Answered 405 with an Allow header (Strawberry's HTTPException carries no headers)."""

    def __init__(self, reason: str, *, allow: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.allow = allow


def _is_mutation(request_data: GraphQLRequestData) -> bool:
    """Whether the operation a GET names is a mutation (a document that does not parse is
    left to the pipeline, which answers it)."""
    try:
        document = parse(request_data.query or "", max_tokens=_GET_MAX_TOKENS)
    except GraphQLError:
        return False
    operation = get_operation_ast(document, request_data.operation_name)
    return operation is not None and operation.operation == OperationType.MUTATION


# A query string is short; the pipeline applies the configured limit to what it runs.
_GET_MAX_TOKENS = 5_000
