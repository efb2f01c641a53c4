"""Fixtures: one application per database backend, an HTTP client, a settable clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette

from app.config import Settings
from app.graphql.graphiql import DEFAULT_ASSETS_DIR, ensure_assets
from app.http.app import create_app
from app.runtime import Runtime
from tests.utils.api import Api
from tests.utils.clock import Clock
from tests.utils.live_server import live_server

POSTGRES_URL_VARIABLE = "TEST_POSTGRES_URL"
TEST_SECRET = "test-secret-key-for-the-suite-only-0123456789"


@pytest.fixture(scope="session")
def graphiql_assets() -> Path:
    """GraphiQL's bundles, installed once per session as `debt-api fetch-graphiql` does, for
    any test that serves the page: a fresh checkout has none until then."""
    problem = ensure_assets(DEFAULT_ASSETS_DIR)
    if problem:  # only without the npm registry: .ci/run installs them before the tests
        pytest.skip(problem)
    return DEFAULT_ASSETS_DIR


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


def backend_url(backend: str, tmp_dir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_dir / 'suite.db'}"
    url = postgres_url()
    if url is None:
        pytest.skip(
            f"PostgreSQL half skipped: {POSTGRES_URL_VARIABLE} is not set "
            "(bash .ci/run sets it to the local server)"
        )
    return url


async def reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session")
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def _real_time_by_default(clock: Clock) -> Iterator[None]:
    yield
    clock.reset()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def settings(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    url = backend_url(backend, tmp_path_factory.mktemp(backend))
    # Minimal argon2 cost: every test creates a client, and hashing strength is not under test.
    return Settings(
        database_url=url,
        secret_key=TEST_SECRET,
        client_secret_hash_memory_kib=8,
        client_secret_hash_time_cost=1,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings, clock: Clock) -> AsyncIterator[Starlette]:
    if not settings.is_sqlite:
        await reset_postgres(settings.database_url)
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def runtime(app: Starlette) -> Runtime:
    runtime: Runtime = app.state.runtime
    return runtime


@pytest.fixture(scope="session")
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="session")
def server_url(app: Starlette, settings: Settings, clock: Clock) -> Iterator[str]:
    """Base URL of a real HTTP server on the same database as `app` (after its reset)."""
    with live_server(create_app(settings, clock=clock)) as url:
        yield url


@pytest.fixture
async def api(http: httpx.AsyncClient, runtime: Runtime) -> Api:
    """A fresh company with a client holding every scope, and a token for it."""
    return await Api.for_new_company(http, runtime)
