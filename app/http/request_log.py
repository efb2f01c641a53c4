"""One structured access-log line per HTTP request, and the X-Request-ID it is known by."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import RequestRecord, bind_request, mask_sensitive, unbind_request

log = logging.getLogger("app.access")

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}")


def request_id_for(sent: str | None) -> str:
    """The caller's id when it is short, plain and carries nothing we would mask; else ours."""
    if sent and _ACCEPTED_REQUEST_ID.fullmatch(sent) and mask_sensitive(sent) == sent:
        return sent
    return uuid.uuid4().hex


def _outcome(record: RequestRecord, status: int) -> str:
    if record.outcome is not None:
        return record.outcome
    if status >= 500:
        return "error"
    return "rejected" if status >= 400 else "ok"


class RequestLogMiddleware:
    """Outermost layer: binds the request's record, echoes its id, logs it when answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = RequestRecord(
            request_id=request_id_for(Headers(scope=scope).get(REQUEST_ID_HEADER)),
            method=scope["method"],
            path=scope["path"],  # never the query string: GET /graphql carries variables
        )
        token = bind_request(record)
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception escaped every handler

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = record.request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            record.outcome = "exception"
            raise
        finally:
            log.info(
                "%s %s %s",
                record.method,
                record.path,
                status,
                extra={
                    "fields": {
                        "method": record.method,
                        "path": record.path,
                        "operation": record.operation,
                        "operation_type": record.operation_type,
                        "client_id": record.client_id,
                        "outcome": _outcome(record, status),
                        "error_codes": record.error_codes,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                    }
                },
            )
            unbind_request(token)
