"""The HTTP view: Strawberry's ASGI view, with strict JSON, the context and fault masking."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult

from app.graphql.access_log import note_outcome
from app.graphql.context import Context
from app.graphql.errors import (
    internal,
    service_unavailable,
    with_default_code,
    without_suggestions,
)
from app.graphql.graphiql import DEFAULT_ASSETS_DIR, graphiql_response
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

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_response(request, self._graphiql_assets)

    async def get_context(self, request: Request, response: Response | Any) -> Context:  # type: ignore[override]
        runtime: Runtime = self._runtime_of(request)
        sub_response = response if isinstance(response, Response) else None
        return Context(request=request, runtime=runtime, response=sub_response)

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
            # Suggestions name fields, types and enum values: the schema that introspection
            # would show, so they go with it.
            hide_suggestions = not self._runtime_of(request).settings.introspection_enabled
            result.errors = [self._presentable(e, hide_suggestions) for e in result.errors]
        note_outcome(result.errors)
        return await super().process_result(request, result)

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
