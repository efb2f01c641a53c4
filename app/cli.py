"""Operator commands (`debt-api ...`): serve, migrate, tenants, timelines, debt statuses."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging.config
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import uvicorn
from pydantic import ValidationError as SettingsError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import InsecureSettings, Settings
from app.domain.debts import DebtStatus
from app.domain.errors import FieldError
from app.domain.timelines import TimelineInput
from app.graphql.graphiql import (
    BUNDLES,
    DEFAULT_ASSETS_DIR,
    AssetsUnavailable,
    ensure_assets,
    fetch_assets,
    missing_assets,
)
from app.logs import logging_config
from app.runtime import Runtime
from app.services.auth import UnknownScopes, create_client, parse_scopes
from app.services.companies import create_company, find_company_key
from app.services.debt_changes import OPERATOR, change_debt_status
from app.services.debts import ValidationFailed
from app.services.idempotency import purge_expired_keys
from app.services.timelines import create_timeline
from app.services.webhook_delivery import DeliveryWorker
from app.services.webhook_secrets import SecretBox
from app.storage.db import create_engine, migrate, session_factory
from app.storage.debts import StoredDebt

_PURGE_BATCH = 1000
# How long a stopping worker lets the requests in flight finish before it cancels them.
_GRACEFUL_SHUTDOWN_SECONDS = 30


class CommandFailed(Exception):
    """A clear, expected refusal: printed on stderr, exit status 1."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="debt-api",
        description="Debt intake API: run the server and manage tenants. "
        "Configured by environment variables (DATABASE_URL, SECRET_KEY, ...).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate the database, then serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: WEB_CONCURRENCY, else one per CPU core)",
    )

    commands.add_parser("migrate", help="bring the database schema up to date, then exit")

    commands.add_parser(
        "deliver-webhooks",
        help="migrate, then run a webhook delivery worker until SIGTERM or SIGINT "
        "(serve runs one per worker process too, unless WEBHOOK_WORKER_IN_SERVE=false)",
    )

    commands.add_parser(
        "purge-idempotency-keys",
        help="delete expired idempotency keys (writes also purge a few; run this from cron)",
    )

    commands.add_parser(
        "fetch-graphiql",
        help="download GraphiQL's pinned, checksummed bundles from the npm registry, "
        "so GET /graphql works offline (serve does it when they are missing)",
    )

    company = commands.add_parser("create-company", help="register a company (tenant)")
    company.add_argument("--name", required=True)
    company.add_argument("--timezone", default="Europe/Paris")
    company.add_argument("--country", default="FR")

    client = commands.add_parser("create-client", help="issue API credentials for a company")
    client.add_argument("--company", required=True, help="company id (co_...)")
    client.add_argument(
        "--scopes",
        default="debts:read debts:write timelines:read timelines:write "
        "webhooks:read webhooks:write",
        help='space-separated scopes, e.g. "debts:read debts:write"',
    )

    timeline = commands.add_parser("create-timeline", help="create a collection timeline")
    timeline.add_argument("--company", required=True, help="company id (co_...)")
    timeline.add_argument("--name", required=True)
    timeline.add_argument("--excluded-days", default="", help='e.g. "sat,sun" (default: none)')
    timeline.add_argument(
        "--holidays",
        default="FR",
        help='holiday calendar: country, or country-subdivision ("FR-57")',
    )
    timeline.add_argument("--start-time", default="09:00", help="daily start, HH:MM")
    timeline.add_argument("--inactive", action="store_true", help="create it inactive")

    status = commands.add_parser(
        "set-debt-status",
        help="set a debt's status as the collection workflow does (any status; the event's "
        'actor is "operator")',
    )
    status.add_argument("--debt", required=True, help="debt id (debt_...)")
    status.add_argument("--status", required=True, choices=[s.value for s in DebtStatus])
    status.add_argument("--reason", default=None, help="kept on the event, at most 500 characters")
    return parser


def _refused(errors: list[FieldError]) -> CommandFailed:
    return CommandFailed("; ".join(f"{e.field}: {e.message}" for e in errors))


async def _with_session(
    settings: Settings, work: Callable[[AsyncSession], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    engine: AsyncEngine = create_engine(settings)
    try:
        await migrate(engine)
        async with session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


async def _company_key(session: AsyncSession, public_id: str) -> int:
    key = await find_company_key(session, public_id)
    if key is None:
        raise CommandFailed(f'no company with id "{public_id}"')
    return key


def _fetch_graphiql(settings: Settings) -> dict[str, Any]:
    directory = settings.graphiql_assets_dir or DEFAULT_ASSETS_DIR
    fetched = bool(missing_assets(directory))
    if fetched:
        try:
            fetch_assets(directory)
        except AssetsUnavailable as error:
            raise CommandFailed(str(error)) from None
    return {
        "directory": str(directory),
        "fetched": fetched,
        "bundles": {package.name: package.version for package in BUNDLES},
    }


def _run_command(args: argparse.Namespace, settings: Settings) -> dict[str, Any] | None:
    if args.command == "fetch-graphiql":
        return _fetch_graphiql(settings)
    if args.command == "migrate":
        return asyncio.run(_with_session(settings, _migrated))
    if args.command == "deliver-webhooks":
        settings.check_secrets()
        logging.config.dictConfig(logging_config(settings.log_level))
        return asyncio.run(_deliver_webhooks(settings))
    if args.command == "purge-idempotency-keys":
        return asyncio.run(_with_session(settings, _purge_keys))
    if args.command == "create-company":

        async def company(session: AsyncSession) -> dict[str, Any]:
            created = await create_company(
                session, name=args.name, timezone=args.timezone, country=args.country
            )
            if isinstance(created, list):
                raise _refused(created)
            return {
                "company_id": created.company_id,
                "name": created.name,
                "timezone": created.timezone,
                "country": created.country,
            }

        return asyncio.run(_with_session(settings, company))
    if args.command == "create-client":
        try:
            scopes = parse_scopes(args.scopes)
        except UnknownScopes as error:
            raise CommandFailed(str(error)) from None
        if not scopes:
            raise CommandFailed("give at least one scope")

        async def client(session: AsyncSession) -> dict[str, Any]:
            issued = await create_client(
                session,
                company_public_id=args.company,
                scopes=scopes,
                hasher=settings.secret_hasher,
            )
            if issued is None:
                raise CommandFailed(f'no company with id "{args.company}"')
            return {
                "client_id": issued.client_id,
                "client_secret": issued.client_secret,
                "company_id": issued.company_id,
                "scopes": " ".join(issued.scopes),
            }

        return asyncio.run(_with_session(settings, client))
    if args.command == "create-timeline":
        country, _, subdivision = args.holidays.partition("-")

        async def timeline(session: AsyncSession) -> dict[str, Any]:
            key = await _company_key(session, args.company)
            created = await create_timeline(
                session,
                company_id=key,
                raw=TimelineInput(
                    name=args.name,
                    excluded_weekdays=args.excluded_days,
                    holiday_country=country,
                    holiday_subdivision=subdivision or None,
                    start_time=args.start_time,
                    active=not args.inactive,
                ),
                now=datetime.now(UTC),
            )
            if isinstance(created, list):
                raise _refused(created)
            return {"timeline_id": created.id, "company_id": args.company, "name": created.name}

        return asyncio.run(_with_session(settings, timeline))
    if args.command == "set-debt-status":
        return asyncio.run(_set_debt_status(settings, args))
    return None


async def _set_debt_status(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    engine: AsyncEngine = create_engine(settings)
    try:
        await migrate(engine)
        outcome = await change_debt_status(
            engine,
            company_id=None,  # the operator acts for every company
            actor=OPERATOR,
            public_id=args.debt,
            target=DebtStatus(args.status),
            reason=args.reason,
            expected_version=None,
            transitions=None,  # any status: the workflow's own transitions
            policy=settings.intake_policy,
            clock=lambda: datetime.now(UTC),
        )
    finally:
        await engine.dispose()
    if isinstance(outcome, ValidationFailed):
        raise _refused(outcome.errors)
    if not isinstance(outcome, StoredDebt):
        raise CommandFailed(f'no debt with id "{args.debt}"')
    debt = outcome.record
    return {"id": debt.public_id, "status": debt.status, "version": debt.version}


async def _deliver_webhooks(settings: Settings) -> dict[str, Any]:
    engine = create_engine(settings)
    try:
        await migrate(engine)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        worker = DeliveryWorker(engine, settings, SecretBox(settings.secret_key))
        try:
            # On a signal: no new claims; attempts under way finish, waiting ones are given
            # back (a SIGKILL leaves them to their lease instead).
            await worker.run(stop)
        finally:
            await worker.close()
    finally:
        await engine.dispose()
    return {"stopped": True}


async def _migrated(_session: AsyncSession) -> dict[str, Any]:
    return {"migrated": True}


async def _purge_keys(session: AsyncSession) -> dict[str, Any]:
    now, purged = datetime.now(UTC), 0
    while True:  # in short transactions, so live writes never wait long on a purge
        deleted = await purge_expired_keys(session, now=now, limit=_PURGE_BATCH)
        await session.commit()
        purged += deleted
        if deleted < _PURGE_BATCH:
            return {"purged": purged}


async def _start_and_stop_runtime(settings: Settings) -> None:
    runtime = Runtime.start(settings)
    await runtime.stop()


def _check_port_free(host: str, port: int) -> None:
    """Fail once, clearly, when another program holds the port (as uvicorn will bind it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CommandFailed(f"cannot listen on {host}:{port}: {error}") from None


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    workers = settings.web_concurrency if args.workers is None else args.workers
    if workers < 1:
        raise CommandFailed("--workers must be at least 1")
    settings.check_secrets()
    # Once, here, before any worker starts: workers never migrate (app.http.app.worker_app).
    asyncio.run(_with_session(settings, _migrated))
    # A fresh checkout has no GraphiQL bundles yet: fetch them now; without a network the
    # API still starts and GET /graphql explains how to install them.
    problem = settings.graphiql_enabled and ensure_assets(
        settings.graphiql_assets_dir or DEFAULT_ASSETS_DIR
    )
    if problem:
        print(f"debt-api: {problem}", file=sys.stderr)
    _check_port_free(args.host, args.port)
    # A worker's start-up touches no database but can still fail (REDIS_URL not a URL).
    # Tried once here, that stops `serve` with one line and status 1; uvicorn's supervisor
    # would log each worker's traceback, then stop with status 0.
    try:
        asyncio.run(_start_and_stop_runtime(settings))
    except Exception as error:  # noqa: BLE001 - whatever would stop every worker stops serve
        raise CommandFailed(f"a worker cannot start: {type(error).__name__}: {error}") from None
    # uvicorn's own supervisor: with several workers it binds the socket, says once where it
    # listens, replaces a worker that dies, and on SIGTERM or SIGINT stops every worker
    # gracefully (each finishes the requests in flight, within the timeout).
    uvicorn.run(
        "app.http.app:worker_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        proxy_headers=True,
        server_header=False,
        # JSON lines, personal data masked; app.access replaces uvicorn's access log.
        log_config=logging_config(settings.log_level),
        access_log=False,
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_SECONDS,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
        if args.command == "serve":
            _serve(args, settings)
            return 0
        output = _run_command(args, settings)
    except (CommandFailed, InsecureSettings) as error:
        print(f"debt-api: {error}", file=sys.stderr)
        return 1
    except SettingsError as error:
        print(f"debt-api: invalid configuration: {error}", file=sys.stderr)
        return 1
    print(json.dumps(output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
