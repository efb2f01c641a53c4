"""Fixtures for the edge of the service: extra servers with their own settings, log capture."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from app.config import Settings
from app.http.app import create_app
from app.logs import JsonFormatter
from app.runtime import Runtime
from tests.utils.api import Api
from tests.utils.clock import Clock

REDIS_URL_VARIABLE = "TEST_REDIS_URL"


@dataclass
class Server:
    """One more server process, as it were: its own app, engine and settings, same database."""

    app: Starlette
    http: httpx.AsyncClient
    runtime: Runtime

    async def new_api(self) -> Api:
        return await Api.for_new_company(self.http, self.runtime)

    def api_for(self, other: Api) -> Api:
        """The same client and token, talking to this server."""
        return Api(self.http, self.runtime, other.company_id, other.token)


StartServer = Callable[..., Awaitable[Server]]


@pytest.fixture
async def start_server(settings: Settings, clock: Clock) -> AsyncIterator[StartServer]:
    """Start servers on the suite's database with some settings changed (e.g. small limits)."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**overrides: Any) -> Server:
            custom = Settings(**{**settings.model_dump(), **overrides})
            app = create_app(custom, clock=clock)
            await stack.enter_async_context(app.router.lifespan_context(app))
            http = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://testserver"
                )
            )
            return Server(app, http, app.state.runtime)

        yield start


@pytest.fixture(scope="module")
async def reader(http: httpx.AsyncClient, runtime: Runtime) -> Api:
    """One client shared by a module's tests that must write nothing (creating one is slow)."""
    return await Api.for_new_company(http, runtime)


def redis_url() -> str:
    url = os.environ.get(REDIS_URL_VARIABLE)
    if not url:
        pytest.skip(f"Redis half skipped: {REDIS_URL_VARIABLE} is not set (bash .ci/run sets it)")
    return url


class LogLines:
    """What the server wrote, formatted exactly as in production (JSON lines, masked)."""

    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    @property
    def text(self) -> str:
        return self._stream.getvalue()

    def entries(self, logger: str | None = None) -> list[dict[str, Any]]:
        found = [json.loads(line) for line in self.text.splitlines() if line.strip()]
        return [entry for entry in found if logger is None or entry["logger"] == logger]

    def access(self) -> list[dict[str, Any]]:
        return self.entries("app.access")

    def clear(self) -> None:
        self._stream.seek(0)
        self._stream.truncate()


@pytest.fixture
def logs() -> Iterator[LogLines]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield LogLines(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
