"""The Starlette application: routes, lifespan (engine, migrations), settings."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.routing import Route

from app.config import Settings
from app.domain.phones import load_phone_metadata
from app.graphql.graphiql import DEFAULT_ASSETS_DIR, static_routes
from app.graphql.limits import DocumentLimits
from app.graphql.schema import ExtensionFactory, build_schema, schema_for
from app.graphql.view import GraphQLView
from app.http.body_limit import BodyLimitMiddleware
from app.http.health import health_endpoint
from app.http.request_log import RequestLogMiddleware
from app.http.token import token_endpoint
from app.runtime import Runtime
from app.services.webhook_delivery import DeliveryWorker
from app.storage.db import migrate

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    migrate_on_start: bool = True,
    schema_extensions: Sequence[ExtensionFactory] = (),
    freeze_startup_heap: bool = False,
    deliver_webhooks: bool = False,
) -> Starlette:
    """Build the application; the engine is created, and the schema migrated, at startup.

    Without `migrate_on_start` the startup never touches the database (the engine connects
    on first use), so it succeeds while the database is down. `schema_extensions` are added
    to Strawberry's pipeline after the service's own, as a tracing or error-reporting
    integration would be. With `deliver_webhooks` the process also runs a webhook delivery
    worker beside the requests, stopped with the application.
    """
    settings = settings or Settings()
    settings.check_secrets()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = Runtime.start(settings, clock)
        load_phone_metadata()  # once per process, before the first request needs it
        if migrate_on_start:
            await migrate(runtime.engine)
        app.state.runtime = runtime
        if freeze_startup_heap:
            # What startup loaded (phone metadata, schema, mappers: most of the heap) lives
            # as long as the process. Left in the collector's sight, every full collection
            # walks all of it while the requests in flight wait; frozen, it is skipped.
            gc.collect()
            gc.freeze()
        worker: asyncio.Task[None] | None = None
        stop = asyncio.Event()
        if deliver_webhooks:
            deliverer = DeliveryWorker(
                runtime.engine, settings, runtime.webhook_secrets, runtime.clock, runtime.outages
            )
            worker = asyncio.create_task(deliverer.run(stop))
        try:
            yield
        finally:
            if worker is not None:
                stop.set()
                await worker
                await deliverer.close()
            await runtime.stop()

    def runtime_of(request: Request) -> Runtime:
        runtime: Runtime = request.app.state.runtime
        return runtime

    graphiql_assets = settings.graphiql_assets_dir or DEFAULT_ASSETS_DIR
    limits = DocumentLimits.of(settings)
    schema = build_schema(limits, schema_extensions) if schema_extensions else schema_for(limits)
    graphql = GraphQLView(
        schema, runtime_of, graphql_ide=settings.graphiql_enabled, graphiql_assets=graphiql_assets
    )
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/token", token_endpoint, methods=["POST"]),
            Route("/health", health_endpoint, methods=["GET"]),
            *(static_routes(graphiql_assets) if settings.graphiql_enabled else []),
        ],
        lifespan=lifespan,
        middleware=[
            Middleware(RequestLogMiddleware),  # outermost: logs even what the limit refuses
            # Before the body limit, so a browser can read a 413 too. Browsers send the bearer
            # token in a header, never a cookie: no credentials mode.
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
                # The rate-limit answers (app/graphql/rate_limits.py), readable by scripts.
                expose_headers=[
                    "X-RateLimit-Limit",
                    "X-RateLimit-Remaining",
                    "X-RateLimit-Reset",
                    "Retry-After",
                ],
                max_age=600,
            ),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
        ],
    )


def worker_app() -> Starlette:
    """What each `debt-api serve` worker runs (uvicorn's factory, settings from the environment).

    `serve` migrates the schema once before it starts any worker, so a worker's startup does
    no database work: one that replaces a dead worker during an outage starts and answers
    SERVICE_UNAVAILABLE (and /health 503) until the database is back.
    """
    settings = Settings()
    return create_app(
        settings,
        migrate_on_start=False,
        freeze_startup_heap=True,
        deliver_webhooks=settings.webhook_worker_in_serve,
    )
