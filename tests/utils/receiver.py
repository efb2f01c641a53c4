"""A webhook receiver on 127.0.0.1 (a real uvicorn server in a thread) for the delivery tests.

It records every request (headers and body) and answers from a script: a status code, a
redirect, "timeout" (answers only after `slow_seconds`) or "hang" (holds the request until
the test releases it), then 200 once the script is spent.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.utils.live_server import live_server


@dataclass
class Received:
    headers: dict[str, str]
    body: str
    path: str


@dataclass
class Receiver:
    url: str = ""
    script: list[int | str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    slow_seconds: float = 2.0
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self, *script: int | str) -> None:
        with self.lock:
            self.script = list(script)
            self.received.clear()
        self.arrived.clear()
        self.release.clear()

    def ids(self) -> list[str]:
        with self.lock:
            return [r.headers["webhook-id"] for r in self.received]

    async def handle(self, request: Request) -> Response:
        body = (await request.body()).decode()
        with self.lock:
            self.received.append(Received(dict(request.headers), body, request.url.path))
            step = self.script.pop(0) if self.script else 200
        self.arrived.set()
        if step == "hang":
            await asyncio.to_thread(self.release.wait, 60)
            return PlainTextResponse("late")
        if step == "timeout":
            await asyncio.sleep(self.slow_seconds)
            return PlainTextResponse("too late")
        if step == "redirect":
            return RedirectResponse(f"{self.url}/elsewhere", status_code=302)
        assert isinstance(step, int)
        return PlainTextResponse("x" * 5000 if step >= 500 else "ok", status_code=step)


@contextlib.contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/{path:path}", receiver.handle, methods=["POST"])])
    with live_server(app) as url:
        receiver.url = url
        yield receiver
