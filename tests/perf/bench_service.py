"""Benchmark createDebt and createDebts against the fastest thing the same stack can do.

Run from the repository root (PostgreSQL must be running; the script makes its own
database `debt_bench` there and drops it again):

    .venv/bin/python -m tests.perf.bench_service

It starts the real server as production would (`debt-api serve`, default workers) and, in
the same run, a baseline: a minimal Starlette endpoint (same uvicorn, same workers, same
supervisor) that inserts the same row through asyncpg with no GraphQL and no validation.
A bounded, loopback-only load generator drives both at the same concurrency, in rounds
that alternate the two servers, then prints, for the round of the median ratio, requests
per second, p50/p99 latency, server CPU per request, peak server memory and the ratios to
the baseline; then the time of createDebts with 1,000 items against copy_records_to_table
of 1,000 rows, and what validate_debt alone costs for those debts in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.utils.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
ADMIN_DSN = os.environ.get("BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "debt_bench"
SECRET = "benchmark-secret-key-0123456789abcdef0123456789"

DEBT = {
    "firstname": "Jean",
    "lastname": "Dupont",
    "civility": "MR",
    "phone": "06 12 34 56 78",
    "email": "jean.dupont@example.com",
    "amount": "1250.00",
    "currency": "EUR",
    "invoiceDate": "2024-01-05",
    "dueDate": "2024-02-05",
    "internalId": "INV-42",
    "city": "Paris",
    "country": "FR",
    "iban": "FR1420041010050500013M02606",
}
CREATE_DEBT = (
    "mutation($input: CreateDebtInput!) { createDebt(input: $input) "
    "{ __typename ... on Debt { id status amountText } } }"
)
CREATE_DEBTS = (
    "mutation($input: CreateDebtsInput!) { createDebts(input: $input) { __typename "
    "... on DebtImport { importId summary { created failed } created { index debt { id } } } } }"
)
INSERT_COLUMNS = (
    "public_id", "company_id", "status", "civility", "firstname", "lastname", "phone", "email",
    "amount", "currency", "invoice_date", "due_date", "internal_id", "city", "country", "iban",
    "nb_reminders", "nb_answered", "followups_count", "import_date",
)  # fmt: skip


# ---------------------------------------------------------------- the baseline server


def baseline_row(data: dict[str, Any], company_id: int) -> tuple[Any, ...]:
    """The row the real service stores for DEBT, built with no validation at all."""
    return (
        "debt_" + secrets.token_urlsafe(16), company_id, "PENDING", data.get("civility"),
        data["firstname"], data["lastname"], "+33612345678", data.get("email"),
        Decimal(data["amount"]), data["currency"],
        datetime.fromisoformat(data["invoiceDate"]).date(),
        datetime.fromisoformat(data["dueDate"]).date(),
        data.get("internalId"), data.get("city"), data.get("country"), data.get("iban"),
        0, 0, 0, datetime.now(UTC),
    )  # fmt: skip


def baseline_app() -> Any:
    """The baseline: parse the JSON body, insert the row with asyncpg, answer its id."""
    import orjson
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    dsn, company_id = os.environ["BENCH_BASELINE_DSN"], int(os.environ["BENCH_BASELINE_COMPANY"])
    placeholders = ", ".join(f"${i}" for i in range(1, len(INSERT_COLUMNS) + 1))
    sql = f"INSERT INTO debt ({', '.join(INSERT_COLUMNS)}) VALUES ({placeholders})"

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
        yield
        await app.state.pool.close()

    async def create(request: Request) -> Response:
        data = orjson.loads(await request.body())["variables"]["input"]
        row = baseline_row(data, company_id)
        async with request.app.state.pool.acquire() as connection:
            await connection.execute(sql, *row)
        return Response(orjson.dumps({"data": {"createDebt": {"id": row[0]}}}))

    return Starlette(routes=[Route("/graphql", create, methods=["POST"])], lifespan=lifespan)


def serve_baseline(port: int, workers: int) -> None:
    """The same uvicorn and process model as `debt-api serve`: uvicorn's own workers."""
    import uvicorn

    uvicorn.run(
        "tests.perf.bench_service:baseline_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
    )


# ---------------------------------------------------------------- the load generator


SERVICE = "createDebt (debt-api serve)"
BASELINE = "baseline (asyncpg insert)"


@dataclass
class LoadResult:
    requests: int
    failures: int
    seconds: float
    latencies: list[float]
    cpu_ms: float = 0.0  # server CPU per request, all its processes

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    return status, await reader.readexactly(length)


async def drive(
    port: int, body: bytes, token: str, total: int, concurrency: int, ok: Callable[[bytes], bool]
) -> LoadResult:
    """Send `total` POST /graphql over `concurrency` keep-alive connections to 127.0.0.1."""
    request = (
        f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    remaining, failures, latencies = total, 0, []

    async def worker() -> None:
        nonlocal remaining, failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                writer.write(request)
                status, payload = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                if status != 200 or not ok(payload):
                    failures += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), 600)
    return LoadResult(total, failures, time.perf_counter() - started, latencies)


# ---------------------------------------------------------------- processes and setup


def _family(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return (
        [pid, *(int(child) for child in children.read_text().split())]
        if children.exists()
        else [pid]
    )


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children (workers)."""
    ticks = 0
    for each in _family(pid):
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def peak_memory_mib(pid: int) -> float:
    """High-water resident memory of a process and its children (workers), in MiB."""
    total = 0
    for each in _family(pid):
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


@contextmanager
def running(
    command: list[str], env: dict[str, str], port: int
) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,  # the servers' request logs are written, not displayed
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"{command} exited with {process.returncode}") from None
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{command} did not listen on {port} within 60 s")
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(output.stdout)
    return result


async def recreate_database() -> str:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {BENCH_DB}")
    finally:
        await admin.close()
    return ADMIN_DSN.rsplit("/", 1)[0] + "/" + BENCH_DB


async def settle(dsn: str) -> None:
    """Vacuum and flush what earlier steps wrote, so that no load pays for another's rows
    (an autovacuum of the debt table or their dirty pages) in the middle of its run."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("VACUUM ANALYZE debt")
        await connection.execute("CHECKPOINT")
    finally:
        await connection.close()


async def drop_database() -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    finally:
        await admin.close()


# ---------------------------------------------------------------- the benchmark


async def measure_copy(dsn: str, company_id: int, rows: int, runs: int) -> float:
    """Median seconds of copy_records_to_table of `rows` debt rows, one transaction each."""
    connection = await asyncpg.connect(dsn)
    timings = []
    try:
        for _ in range(runs):
            records = [baseline_row(DEBT, company_id) for _ in range(rows)]
            started = time.perf_counter()
            async with connection.transaction():
                await connection.copy_records_to_table(
                    "debt", records=records, columns=INSERT_COLUMNS
                )
            timings.append(time.perf_counter() - started)
    finally:
        await connection.close()
    return statistics.median(timings)


def measure_validation(rows: int, runs: int) -> float:
    """Median seconds of the field rules and cost guard alone for `rows` copies of DEBT.

    In this process, with no HTTP, GraphQL or database: the floor under createDebts that
    the libraries doing the checks (phonenumbers, email-validator, schwifty) set.
    """
    from app.domain.debts import Civility, DebtInput, IntakePolicy, expensive_destination
    from app.domain.debts import validate_debt as validate
    from app.domain.destinations import load_price_table
    from app.domain.money import default_supported_currencies
    from app.domain.phones import load_phone_metadata

    load_phone_metadata()
    policy = IntakePolicy(default_supported_currencies(), load_price_table())
    fields: dict[str, Any] = {re.sub("([A-Z])", r"_\1", k).lower(): v for k, v in DEBT.items()}
    debt = DebtInput(**{**fields, "civility": Civility[DEBT["civility"]]})
    today = datetime.now(UTC).date()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(rows):
            valid = validate(debt, today=today, policy=policy)
            if isinstance(valid, list) or expensive_destination(valid) is not None:
                raise RuntimeError(f"the benchmark's debt is refused: {valid}")
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


async def measure_batches(port: int, token: str, rows: int, runs: int) -> float:
    body = {"query": CREATE_DEBTS, "variables": {"input": {"debts": [DEBT] * rows}}}
    timings = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        for _ in range(runs):
            started = time.perf_counter()
            response = await client.post(
                "/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
            )
            timings.append(time.perf_counter() - started)
            created = response.json()["data"]["createDebts"]["summary"]["created"]
            if created != rows:
                raise RuntimeError(f"createDebts created {created} of {rows}")
    return statistics.median(timings)


HEADER = (
    "| server                      |  req/s   | p50 ms  | p99 ms  | CPU ms/req |"
    " peak MiB | x rps | x p99 | fail |"
)


RULE = "|" + "|".join("-" * len(cell) for cell in HEADER.split("|")[1:-1]) + "|"


def row(name: str, load: LoadResult, memory: float, baseline: LoadResult | None) -> str:
    ratio = f"{load.rps / baseline.rps:5.2f}" if baseline else "  1.00"
    p99 = f"{load.percentile(0.99) / baseline.percentile(0.99):5.2f}" if baseline else "  1.00"
    return (
        f"| {name:<27} | {load.rps:8.0f} | {load.percentile(0.5):7.2f} | "
        f"{load.percentile(0.99):7.2f} | {load.cpu_ms:10.3f} | {memory:8.1f} | {ratio} | {p99} |"
        f" {load.failures:4d} |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--workers", type=int, default=None, help="default: debt-api serve's own default"
    )
    parser.add_argument("--batch-runs", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5, help="alternating loads of each server")
    args = parser.parse_args()

    validation_seconds = measure_validation(1000, args.batch_runs)  # on a quiet machine
    dsn = await recreate_database()
    env = {
        **os.environ,
        "DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://"),
        "SECRET_KEY": SECRET,
        "APP_ENV": "production",
        # Rate limiting stays on (its cost is part of every request) but out of the way.
        "RATE_LIMIT_REQUESTS": "100000000",
        "RATE_LIMIT_WRITES": "100000000",
    }
    company = cli(env, "create-company", "--name", "Benchmark")
    client = cli(env, "create-client", "--company", company["company_id"])
    connection = await asyncpg.connect(dsn)
    company_key = await connection.fetchval(
        "SELECT id FROM company WHERE public_id = $1", company["company_id"]
    )
    await connection.close()

    body = json.dumps({"query": CREATE_DEBT, "variables": {"input": DEBT}}).encode()
    workers = ["--workers", str(args.workers)] if args.workers else []
    worker_count = args.workers or int(env.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
    service_port, baseline_port = free_port(), free_port()
    service_command = [sys.executable, "-m", "app.cli", "serve", "--port", str(service_port)]
    baseline_command = [sys.executable, "-m", "tests.perf.bench_service", "--serve-baseline"]
    baseline_env = {**env, "BENCH_BASELINE_DSN": dsn, "BENCH_BASELINE_COMPANY": str(company_key)}

    def debt_ok(payload: bytes) -> bool:
        return b'"__typename":"Debt"' in payload

    def inserted(payload: bytes) -> bool:
        return b'"id"' in payload

    with (
        running([*service_command, *workers], env, service_port) as server,
        running(
            [*baseline_command, str(baseline_port), str(worker_count)], baseline_env, baseline_port
        ) as baseline_server,
    ):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{service_port}") as http:
            token_response = await http.post(
                "/token",
                data={"grant_type": "client_credentials"},
                auth=(client["client_id"], client["client_secret"]),
            )
            token = token_response.json()["access_token"]
        servers = {
            SERVICE: (server, service_port, token, debt_ok),
            BASELINE: (baseline_server, baseline_port, "-", inserted),
        }
        loads: dict[str, list[LoadResult]] = {name: [] for name in servers}
        for _, port, bearer, ok in servers.values():  # warm-up
            await drive(port, body, bearer, 300, args.concurrency, ok)
        # Rounds alternate the two servers, so that a machine that slows down or speeds up
        # during the run (a shared host does) weighs on both alike.
        for _ in range(args.rounds):
            for name, (process, port, bearer, ok) in servers.items():
                await settle(dsn)
                cpu_before = cpu_seconds(process.pid)
                load = await drive(port, body, bearer, args.requests, args.concurrency, ok)
                load.cpu_ms = (cpu_seconds(process.pid) - cpu_before) * 1000 / load.requests
                loads[name].append(load)
        memory = {name: peak_memory_mib(process.pid) for name, (process, *_) in servers.items()}
        await settle(dsn)
        batch_seconds = await measure_batches(service_port, token, 1000, args.batch_runs)

    await settle(dsn)
    copy_seconds = await measure_copy(dsn, company_key, 1000, args.batch_runs)
    await drop_database()

    # Each round's ratio is measured under the same conditions; the round of the median
    # ratio is the one shown.
    ratios = [service.rps / base.rps for service, base in zip(*loads.values(), strict=True)]
    median_round = ratios.index(statistics.median_low(ratios))
    service, baseline = loads[SERVICE][median_round], loads[BASELINE][median_round]
    print(
        f"\n{args.requests} requests at concurrency {args.concurrency}, "
        f"{worker_count} worker(s) each, PostgreSQL, loopback: the round of the median "
        f"ratio of {args.rounds} alternating rounds\n"
    )
    print(HEADER)
    print(RULE)
    print(row(SERVICE, service, memory[SERVICE], baseline))
    print(row(BASELINE, baseline, memory[BASELINE], None))
    print("throughput ratio of each round: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))
    print(
        f"\ncreateDebts, 1,000 valid debts (HTTP, validation included): "
        f"{batch_seconds * 1000:7.1f} ms"
        f"\ncopy_records_to_table, the same 1,000 rows:                  "
        f"{copy_seconds * 1000:7.1f} ms"
        f"\nratio: {batch_seconds / copy_seconds:.2f}x (target: at most 5x)"
        f"\nof which the field rules alone (validate_debt, in-process, no HTTP, GraphQL or"
        f" database): {validation_seconds * 1000:.1f} ms = {validation_seconds / copy_seconds:.2f}x"
        f" COPY, {validation_seconds * 1000:.0f} us per debt against the baseline's"
        f" {baseline.cpu_ms * 1000:.0f} us of server CPU per request"
    )
    print(
        f"createDebt throughput ratio {service.rps / baseline.rps:.2f} (target >= 0.4), "
        f"p99 ratio {service.percentile(0.99) / baseline.percentile(0.99):.2f} (target <= 3)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-baseline":
        serve_baseline(int(sys.argv[2]), int(sys.argv[3]))
    else:
        asyncio.run(main())
