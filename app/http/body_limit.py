"""The request body limit (SPEC section 10): larger bodies are answered 413, unread."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.graphql.errors import ErrorCode
from app.logs import current_request


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes`: by Content-Length, or by counting a chunked stream.

    The body is read here, up to the limit, and handed on: every endpoint reads its whole
    body anyway, so this costs no memory an endpoint would not have used.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: let the app see it
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        record = current_request()
        if record is not None:
            record.error_codes.append(ErrorCode.REQUEST_TOO_LARGE.value)
        response = JSONResponse(
            {
                "errors": [
                    {
                        "message": f"The request body exceeds {self.max_bytes} bytes",
                        "extensions": {"code": ErrorCode.REQUEST_TOO_LARGE.value},
                    }
                ]
            },
            status_code=413,
            # The rest of the body is never read: the connection cannot be reused.
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
