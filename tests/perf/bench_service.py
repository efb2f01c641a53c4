"""Benchmark createDebt under wrk against two baselines, and createDebts against COPY.

Usage, from the repository root (PostgreSQL running; wrk is installed with apt-get when
missing and the script runs as root, otherwise it says how to install it):

    .venv/bin/python -m tests.perf.bench_service            # 1 and 2 workers, 5 rounds of 10 s
    .venv/bin/python -m tests.perf.bench_service --quick    # 1 worker, 2 rounds of 3 s: a check
    .venv/bin/python -m tests.perf.bench_service --help     # every option

By default it creates a `debt_bench` database and drops it at the end; `--database-url`
(or BENCH_DATABASE_URL) names an existing database to use instead (migrated, never dropped).

Three servers, each under uvicorn with the same number of workers:
  service     `debt-api serve`: createDebt with full validation, default settings;
  strawberry  tests/perf/baselines/plain_strawberry.py: a minimal Strawberry schema with its
              ParserCache and ValidationCache, the same INSERT, no validation;
  raw         tests/perf/baselines/raw_starlette.py: Starlette + asyncpg, the same INSERT.
All write to the same debt table (the service's migrated schema) for the same company; the
service is loaded a second time ("webhooks") for another company with one enabled webhook
endpoint, so each createDebt also queues its event, with the worker inside `serve` running.

Load comes from wrk (a C program: no Python competes with the servers for the cores),
with tests/perf/wrk_createdebt.lua posting one createDebt body. For each worker count the
three servers are started once and kept up; rounds interleave them (service, strawberry,
raw, service, ...). Before each load: a wait until the idle baselines have closed their
connections (PostgreSQL's are few), VACUUM ANALYZE and CHECKPOINT, and a short unmeasured
warm-up of the server about to be loaded. Each load reports successful answers per second,
p50/p99 latency, server CPU per request (utime + stime of the supervisor and all its
children, from /proc), wrk's own CPU, non-2xx answers, socket errors, answers that were not
a Debt, the ERROR lines the server logged during the load, and rows inserted against
requests sent (minus failed answers: requests still in flight when wrk stops were sent,
never answered, and still insert). Medians over rounds, the ratios (median of each round's
ratio) and the issue's targets follow.

Last, createDebts of 1,000 valid debts over HTTP, minus what `validate_debt` alone costs for
the same debts in this process, against asyncpg's copy_records_to_table of 1,000 rows: the
three interleaved, medians of --batch-runs.
Server logs and the request body stay in the run directory printed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.perf.baselines.debt_rows import INSERT_COLUMNS, row_from_json
from tests.utils.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
LUA = Path(__file__).with_name("wrk_createdebt.lua")
ADMIN_DSN = os.environ.get("BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
OWN_DB = "debt_bench"
SECRET = "benchmark-secret-key-0123456789abcdef0123456789"
TARGETS = {"strawberry": 0.8, "raw": 0.25, "p99": 1.5, "batch": 5.0, "webhooks": 0.9}

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
# "webhooks" is the service process itself, called for a second company that has one
# enabled webhook endpoint: every createDebt also queues an event, delivered by the
# worker inside `serve` (to a closed port: each attempt fails fast and is retried).
SERVERS = ("service", "webhooks", "strawberry", "raw")
BASELINE_APPS = {
    "strawberry": "tests.perf.baselines.plain_strawberry:app",
    "raw": "tests.perf.baselines.raw_starlette:app",
}


def say(text: str) -> None:
    """Progress, on stderr: the report itself goes to stdout."""
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- wrk


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit(
            "wrk is not installed: run `sudo apt-get install -y wrk` (Debian's package), "
            "or put a wrk binary on PATH, then run the benchmark again."
        )
    say("wrk is missing: installing Debian's package (apt-get install -y wrk)")
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("apt-get installed wrk, yet no wrk is on PATH")
    return found


@dataclass
class WrkResult:
    seconds: float
    requests: int  # answers of any status
    sent: int
    created: int  # 2xx answers carrying a Debt and no "errors"
    refused: int  # 2xx answers that were not a created Debt
    non_2xx: int
    socket_errors: int  # connect, read, write, timeout
    p50_ms: float
    p99_ms: float
    sample: str  # the first answer that was not a created Debt
    cpu_seconds: float  # wrk's own

    @property
    def rps(self) -> float:
        return self.created / self.seconds


async def run_wrk(
    wrk: str, port: int, body: Path, token: str, seconds: float, args: argparse.Namespace
) -> WrkResult:
    command = [
        wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds:g}s", "--timeout", "30s",
        "--latency", "-s", str(LUA), f"http://127.0.0.1:{port}/graphql", "--", str(body), token,
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), seconds + 120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    text = out.decode("utf-8", "replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("WRK_JSON ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err.decode()} {text}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    errors, latency = data["errors"], data["latency_us"]
    return WrkResult(
        seconds=data["duration_us"] / 1e6,
        requests=int(data["requests"]),
        # wrk calls request() once more, before the load, to check what it returns.
        sent=int(data["sent"]) - 1,
        created=int(data["created"]),
        refused=int(data["refused"]),
        non_2xx=int(data["non_2xx"]),
        socket_errors=sum(int(errors[k]) for k in ("connect", "read", "write", "timeout")),
        p50_ms=latency["p50"] / 1000,
        p99_ms=latency["p99"] / 1000,
        sample=data["sample"],
        cpu_seconds=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    )


# ---------------------------------------------------------------- server processes


def family(pid: int) -> list[int]:
    """A process and all its descendants (uvicorn's workers, and whatever they start)."""
    found, queue = [], [pid]
    while queue:
        each = queue.pop()
        found.append(each)
        for children in Path(f"/proc/{each}/task").glob("*/children"):
            try:
                queue.extend(int(child) for child in children.read_text().split())
            except OSError:  # the task ended meanwhile
                continue
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime used so far by a process and its live descendants."""
    ticks = 0
    for each in family(pid):
        try:
            stat = Path(f"/proc/{each}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def error_lines(log: Path, start: int, end: int | None = None) -> list[str]:
    """Records at ERROR or CRITICAL in a server's output (JSON lines with a "level", or
    lines that start with the level, as uvicorn's and logging's formats do), and Python's
    "Exception ignored" reports, between two byte offsets of the file."""
    with log.open("rb") as file:
        file.seek(start)
        data = file.read() if end is None else file.read(max(0, end - start))
    found = []
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if isinstance(entry, dict) and "level" in entry:
                if str(entry["level"]).upper() in {"ERROR", "CRITICAL"}:
                    text = f"{entry.get('logger', '?')}: {entry.get('message', '')}"
                    exception = str(entry.get("exception") or "").strip()
                    if exception:  # its last line names the exception
                        text += " | " + exception.splitlines()[-1]
                    found.append(text)
                continue
        if re.match(r"(ERROR|CRITICAL)\b", line) or line.startswith("Exception ignored"):
            found.append(line)
    return found


@dataclass
class Server:
    name: str
    port: int
    token: str
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def offset(self) -> int:
        return self.log.stat().st_size


@contextmanager
def running(
    name: str, command: list[str], env: dict[str, str], port: int, log: Path
) -> Iterator[Server]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, start_new_session=True, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited ({process.returncode}): see {log}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not listen on {port}: see {log}") from None
                time.sleep(0.2)
        yield Server(name, port, "-", log, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the group of the process started above
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def server_command(name: str, port: int, workers: int) -> list[str]:
    if name == "service":
        script = Path(sys.executable).with_name("debt-api")
        debt_api = [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]
        return [
            *debt_api, "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers),
        ]  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", BASELINE_APPS[name], "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--lifespan", "on",
        "--no-access-log", "--no-server-header", "--log-level", "info",
    ]  # fmt: skip


def debt_api(env: dict[str, str], *args: str) -> dict[str, Any]:
    script = Path(sys.executable).with_name("debt-api")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]
    output = subprocess.run(
        [*command, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(output.stdout)
    return result


# ---------------------------------------------------------------- the database


class Database:
    """The benchmark's one connection: row counts, VACUUM and CHECKPOINT, COPY."""

    def __init__(self, connection: Any, company_key: int) -> None:
        self.connection, self.company_key = connection, company_key

    async def rows(self) -> int:
        count: int = await self.connection.fetchval(
            "SELECT count(*) FROM debt WHERE company_id = $1", self.company_key
        )
        return count

    async def settled_rows(self) -> int:
        """The count once requests still running in a server have finished."""
        last, deadline = await self.rows(), time.monotonic() + 15
        while time.monotonic() < deadline:
            await asyncio.sleep(0.3)
            now = await self.rows()
            if now == last:
                return now
            last = now
        return last

    async def drained(self, names: list[str]) -> None:
        """Wait until servers that are not loaded hold no connections (baselines close
        theirs when idle): PostgreSQL's connections are few and shared."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            held = await self.connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ANY($1)",
                [f"bench-{name}" for name in names],
            )
            if held == 0:
                return
            await asyncio.sleep(0.2)
        say(f"  {names} still hold connections after 30 s")

    async def settle(self) -> None:
        """Vacuum and flush what earlier loads wrote, so that no load pays for another's
        rows (an autovacuum of the debt table or their dirty pages) in the middle of it."""
        await self.connection.execute("VACUUM ANALYZE debt")
        await self.connection.execute("CHECKPOINT")

    async def copy_seconds(self, rows: int) -> float:
        """Seconds of copy_records_to_table of `rows` debt rows, in one transaction."""
        records = [row_from_json(self.company_key, DEBT) for _ in range(rows)]
        started = time.perf_counter()
        async with self.connection.transaction():
            await self.connection.copy_records_to_table(
                "debt", records=records, columns=INSERT_COLUMNS
            )
        return time.perf_counter() - started


async def create_own_database() -> str:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {OWN_DB} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {OWN_DB}")
    finally:
        await admin.close()
    return "postgresql+asyncpg://" + ADMIN_DSN.split("://", 1)[1].rsplit("/", 1)[0] + "/" + OWN_DB


async def drop_own_database() -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {OWN_DB} WITH (FORCE)")
    finally:
        await admin.close()


# ---------------------------------------------------------------- loads


@dataclass
class Load:
    server: str
    round: int
    wrk: WrkResult
    cpu_ms: float  # server CPU per answered request
    rows: int  # inserted during the load
    errors: list[str] = field(default_factory=list)

    @property
    def expected_rows(self) -> int:
        """Every request sent inserts one row, except those answered with a failure."""
        return self.wrk.sent - self.wrk.refused - self.wrk.non_2xx

    @property
    def rows_match(self) -> bool:
        return self.rows == self.expected_rows and self.wrk.socket_errors == 0


async def measure(
    wrk: str, server: Server, body: Path, db: Database, args: argparse.Namespace, round_: int
) -> Load:
    await db.drained([name for name in BASELINE_APPS if name != server.name])
    await db.settle()
    # The warm-up comes after VACUUM and CHECKPOINT, so that a baseline's pool, emptied while
    # idle, is full again when the measured load starts.
    await run_wrk(wrk, server.port, body, server.token, args.warmup, args)
    rows_before, offset = await db.settled_rows(), server.offset
    cpu_before = cpu_seconds(server.process.pid)
    result = await run_wrk(wrk, server.port, body, server.token, args.duration, args)
    cpu = cpu_seconds(server.process.pid) - cpu_before
    rows = await db.settled_rows() - rows_before
    return Load(
        server=server.name,
        round=round_,
        wrk=result,
        cpu_ms=cpu * 1000 / max(result.requests, 1),
        rows=rows,
        errors=error_lines(server.log, offset, server.offset),
    )


async def smoke(server: Server, body: bytes, db: Database) -> None:
    """One request before any load: a Debt answered, exactly one row written."""
    headers = {"Content-Type": "application/json"}
    if server.token != "-":
        headers["Authorization"] = f"Bearer {server.token}"
    before = await db.rows()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as http:
        answer = await http.post("/graphql", content=body, headers=headers)
    created = (answer.json().get("data") or {}).get("createDebt") or {}
    if answer.status_code != 200 or created.get("__typename") != "Debt":
        raise RuntimeError(f"{server.name} did not create a debt: {answer.text[:400]}")
    if await db.settled_rows() != before + 1:
        raise RuntimeError(f"{server.name} answered a debt but did not insert exactly one row")


async def service_token(port: int, client: dict[str, Any]) -> str:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        answer = await http.post(
            "/token",
            data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]),
        )
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


# ---------------------------------------------------------------- the batch


def validation_timer() -> Callable[[int], float]:
    """A function that times validate_debt and the cost guard alone for n copies of DEBT.

    In this process, with no HTTP, GraphQL or database: the floor under createDebts that
    the libraries doing the checks (phonenumbers, email-validator, schwifty) set.
    """
    from app.config import Settings
    from app.domain.debts import Civility, DebtInput, expensive_destination, validate_debt
    from app.domain.phones import load_phone_metadata

    load_phone_metadata()
    policy = Settings().intake_policy
    fields: dict[str, Any] = {re.sub("([A-Z])", r"_\1", k).lower(): v for k, v in DEBT.items()}
    debt = DebtInput(**{**fields, "civility": Civility[DEBT["civility"]]})
    today = datetime.now(UTC).date()

    def seconds(rows: int) -> float:
        started = time.perf_counter()
        for _ in range(rows):
            valid = validate_debt(debt, today=today, policy=policy)
            if isinstance(valid, list) or expensive_destination(valid) is not None:
                raise RuntimeError(f"the benchmark's debt is refused: {valid}")
        return time.perf_counter() - started

    return seconds


@dataclass
class Batch:
    http: float
    validation: float
    copy: float

    @property
    def ratio(self) -> float:
        return (self.http - self.validation) / self.copy


async def measure_batch(service: Server, db: Database, rows: int, runs: int) -> Batch:
    """Medians of `runs` rounds of: validate_debt alone for `rows` debts, one createDebts of
    `rows` debts over HTTP, one COPY of `rows` rows; interleaved, so that all three see the
    same machine, after one unmeasured round."""
    validate = validation_timer()
    body = json.dumps({"query": CREATE_DEBTS, "variables": {"input": {"debts": [DEBT] * rows}}})
    headers = {"Authorization": f"Bearer {service.token}", "Content-Type": "application/json"}
    timings: dict[str, list[float]] = {"http": [], "validation": [], "copy": []}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{service.port}", timeout=300) as http:
        for run in range(runs + 1):
            validation = validate(rows)
            await db.settle()
            started = time.perf_counter()
            answer = await http.post("/graphql", content=body, headers=headers)
            elapsed = time.perf_counter() - started
            result = (answer.json().get("data") or {}).get("createDebts") or {}
            created = (result.get("summary") or {}).get("created")
            if created != rows:
                raise RuntimeError(f"createDebts created {created} of {rows}: {answer.text[:400]}")
            await db.settle()
            copy = await db.copy_seconds(rows)
            if run:
                timings["validation"].append(validation)
                timings["http"].append(elapsed)
                timings["copy"].append(copy)
    return Batch(**{key: statistics.median(values) for key, values in timings.items()})


# ---------------------------------------------------------------- report


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def ratios(loads: list[Load]) -> dict[str, list[float]]:
    """Each round's service / baseline figures, taken within the round."""
    by = {(load.server, load.round): load for load in loads}
    out: dict[str, list[float]] = {"strawberry": [], "raw": [], "p99": [], "webhooks": []}
    for r in sorted({load.round for load in loads}):
        service, strawberry = by[("service", r)], by[("strawberry", r)]
        out["webhooks"].append(by[("webhooks", r)].wrk.rps / service.wrk.rps)
        out["strawberry"].append(service.wrk.rps / strawberry.wrk.rps)
        out["raw"].append(service.wrk.rps / by[("raw", r)].wrk.rps)
        out["p99"].append(service.wrk.p99_ms / strawberry.wrk.p99_ms)
    return out


RATIOS = (
    ("strawberry", "service / strawberry req/s", ">=", TARGETS["strawberry"]),
    ("raw", "service / raw req/s", ">=", TARGETS["raw"]),
    ("p99", "service p99 / strawberry p99", "<=", TARGETS["p99"]),
    ("webhooks", "with a webhook / without req/s", ">=", TARGETS["webhooks"]),
)
HEADER = (
    f"{'round':>6} {'server':<10} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/req':>10}"
    f" {'wrk CPU':>7} {'non-2xx':>7} {'sock err':>8} {'not Debt':>8} {'ERROR':>6}"
    f"  rows inserted / expected"
)


def load_line(label: str, load: Load) -> str:
    w = load.wrk
    check = "ok" if load.rows_match else "MISMATCH"
    return (
        f"{label:>6} {load.server:<10} {w.rps:7.0f} {w.p50_ms:7.2f} {w.p99_ms:7.2f}"
        f" {load.cpu_ms:10.3f} {w.cpu_seconds / w.seconds:7.0%} {w.non_2xx:7d}"
        f" {w.socket_errors:8d} {w.refused:8d} {len(load.errors):6d}"
        f"  {load.rows} / {load.expected_rows} {check} ({w.sent - w.requests} in flight at stop)"
    )


def median_line(server: str, loads: list[Load]) -> str:
    mine = [load for load in loads if load.server == server]

    def med(get: Callable[[Load], float]) -> float:
        return statistics.median(get(load) for load in mine)

    return (
        f"{'median':>6} {server:<10} {med(lambda x: x.wrk.rps):7.0f}"
        f" {med(lambda x: x.wrk.p50_ms):7.2f} {med(lambda x: x.wrk.p99_ms):7.2f}"
        f" {med(lambda x: x.cpu_ms):10.3f}"
        f" {med(lambda x: x.wrk.cpu_seconds / x.wrk.seconds):7.0%}"
        f" {sum(x.wrk.non_2xx for x in mine):7d} {sum(x.wrk.socket_errors for x in mine):8d}"
        f" {sum(x.wrk.refused for x in mine):8d} {sum(len(x.errors) for x in mine):6d}"
        f"  (sums over the rounds in the four columns before)"
    )


def print_table(workers: int, loads: list[Load], args: argparse.Namespace) -> None:
    print(
        f"\n== {workers} worker(s) per server: wrk -t{args.threads} -c{args.connections}"
        f" -d{args.duration:g}s, {args.rounds} interleaved rounds ==\n"
    )
    print(HEADER)
    for load in loads:
        print(load_line(str(load.round), load))
    for server in SERVERS:
        print(median_line(server, loads))
    print()
    for key, label, _, _ in RATIOS:
        values = ratios(loads)[key]
        shown = "  ".join(f"{v:.2f}" for v in values)
        print(f"{label:<29} per round: {shown}   median {statistics.median(values):.2f}")
    for load in loads:
        if load.wrk.sample:
            print(f"first failed answer, {load.server} round {load.round}: {load.wrk.sample}")


def print_errors(title: str, lines: list[str]) -> None:
    if not lines:
        return
    print(f"\nERROR lines of {title} ({len(lines)}), most frequent first:")
    # Addresses, ids and numbers differ from one line to the next; group by the rest.
    grouped = Counter(re.sub(r"0x[0-9a-f]+|\d+", "#", line) for line in lines)
    for line, count in grouped.most_common(5):
        print(f"  {count:6d} x {line[:300]}")


def print_summary(
    results: dict[int, list[Load]],
    batch: Batch | None,
    errors_outside: dict[str, list[str]],
    run_dir: Path,
) -> None:
    counts = list(results)
    print("\n== Summary: medians of the per-round ratios (same run, same worker count) ==\n")
    print(f"{'':<30}" + "".join(f"{f'{n} worker(s)':>16}" for n in counts) + "   target")
    for key, label, sense, target in RATIOS:
        cells = []
        for n in counts:
            value = statistics.median(ratios(results[n])[key])
            ok = value >= target if sense == ">=" else value <= target
            cells.append(f"{value:.2f} {met(ok):>8}")
        print(f"{label:<30}" + "".join(f"{c:>16}" for c in cells) + f"   {sense} {target}")
    print(
        "\nChecks over every load: rows inserted = requests sent - failed answers;"
        "\nfailed answers (non-2xx, or no Debt); socket errors; ERROR lines logged"
    )
    for n in counts:
        for server in SERVERS:
            mine = [load for load in results[n] if load.server == server]
            rows_ok = all(load.rows_match for load in mine)
            failed = sum(load.wrk.refused + load.wrk.non_2xx for load in mine)
            print(
                f"  {n} worker(s) {server:<10} rows {'ok' if rows_ok else 'MISMATCH':<8}"
                f" failed answers {failed:<6} socket errors"
                f" {sum(load.wrk.socket_errors for load in mine):<6}"
                f" ERROR lines {sum(len(load.errors) for load in mine)}"
            )
    if batch is not None:
        print(
            f"\ncreateDebts of 1,000 valid debts over HTTP  {batch.http * 1000:8.1f} ms"
            f"\n  validate_debt alone, same debts           {batch.validation * 1000:8.1f} ms"
            f"\n  copy_records_to_table, 1,000 rows         {batch.copy * 1000:8.1f} ms"
            f"\n  (batch - validation) / COPY = {batch.ratio:.2f}   target <= {TARGETS['batch']:g}:"
            f" {met(batch.ratio <= TARGETS['batch'])}"
        )
        if batch.validation >= batch.http:
            print("  (validation alone took longer than the whole batch: a noisy machine)")
    for n, loads in results.items():
        for server in SERVERS:
            seen = [line for load in loads if load.server == server for line in load.errors]
            print_errors(f"{server}, {n} worker(s), during the loads", seen)
    for title, seen in errors_outside.items():
        print_errors(f"{title}, outside the loads (start, warm-ups, batch, stop)", seen)
    print(f"\nserver logs and the wrk body: {run_dir}")


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.perf.bench_service",
        description=(
            "Measure createDebt (debt-api serve, full validation) under wrk against a plain "
            "Strawberry baseline and a raw Starlette + asyncpg baseline doing the same "
            "INSERT, in interleaved rounds, at 1 and 2 uvicorn workers; then createDebts "
            "of 1,000 debts against a COPY of the same rows. Prints per-round and median "
            "req/s, p50, p99, server CPU per request, failures, ERROR lines logged and "
            "rows inserted against requests sent, the ratios and the issue's targets. "
            "wrk is installed with apt-get when missing (as root)."
        ),
        epilog="examples: --quick (about a minute, a check that it works);"
        " no options (both worker counts, 5 rounds of 10 s: several minutes, on a quiet machine);"
        " --workers 2 --rounds 3",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a fast check: 1 worker, 2 rounds of 3 s"
    )
    parser.add_argument("--workers", help="worker counts to compare, e.g. 1,2 (default 1,2)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5)")
    parser.add_argument("--duration", type=float, help="seconds per measured load (default 10)")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds before each (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (default 32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk -t (default 1)")
    parser.add_argument("--batch-runs", type=int, help="createDebts and COPY runs (default 5)")
    parser.add_argument(
        "--baseline-pool",
        type=int,
        help="asyncpg connections per baseline worker (default: the service's "
        "DB_POOL_SIZE + DB_POOL_OVERFLOW)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="postgresql+asyncpg:// URL of a database to use, migrated and kept "
        f"(default: BENCH_DATABASE_URL, else a {OWN_DB} database made and dropped)",
    )
    parser.add_argument("--run-dir", type=Path, help="where logs go (default: a new temp dir)")
    args = parser.parse_args(argv)
    quick = args.quick
    args.workers = [int(n) for n in (args.workers or ("1" if quick else "1,2")).split(",")]
    args.rounds = args.rounds or (2 if quick else 5)
    args.duration = args.duration or (3.0 if quick else 10.0)
    args.warmup = args.warmup or (1.0 if quick else 2.0)
    args.batch_runs = args.batch_runs or (2 if quick else 5)
    if args.threads > args.connections or min(args.workers) < 1:
        parser.error("need --threads <= --connections and at least one worker")
    return args


@dataclass
class Run:
    """What every worker count's servers share: the database, the company, the body."""

    args: argparse.Namespace
    wrk: str
    run_dir: Path
    env: dict[str, str]  # the service's; the baselines' adds BENCH_* to it
    baseline_env: dict[str, str]
    client: dict[str, Any]
    db: Database
    body: Path
    webhook_client: dict[str, Any]
    webhook_db: Database
    endpoint_created: bool = False

    def db_of(self, server: Server) -> Database:
        return self.webhook_db if server.name == "webhooks" else self.db

    async def subscribe(self, server: Server) -> None:
        """The webhook company's one endpoint, created once through the API."""
        if self.endpoint_created:
            return
        query = (
            "mutation($url: String!) { createWebhookEndpoint(url: $url, events: [DEBT_CREATED])"
            " { __typename } }"
        )
        url = f"https://127.0.0.1:{free_port()}/hooks"  # nothing listens there
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as http:
            answer = await http.post(
                "/graphql",
                json={"query": query, "variables": {"url": url}},
                headers={"Authorization": f"Bearer {server.token}"},
            )
        kind = ((answer.json().get("data") or {}).get("createWebhookEndpoint") or {}).get(
            "__typename"
        )
        if kind != "WebhookEndpointWithSecret":
            raise RuntimeError(f"could not create the webhook endpoint: {answer.text[:400]}")
        self.endpoint_created = True

    def start(self, stack: ExitStack, workers: int) -> list[Server]:
        servers = []
        for name in SERVERS:
            if name == "webhooks":
                continue  # the service's process, for another company
            port = free_port()
            command = server_command(name, port, workers)
            env = (
                self.env
                if name == "service"
                else {**self.baseline_env, "BENCH_APP_NAME": f"bench-{name}"}
            )
            log = self.run_dir / f"{name}-{workers}w.log"
            servers.append(stack.enter_context(running(name, command, env, port, log)))
        service = servers[0]
        servers.insert(1, Server("webhooks", service.port, "-", service.log, service.process))
        return servers

    async def at(
        self, workers: int, *, batch: bool
    ) -> tuple[list[Load], Batch | None, dict[str, list[str]]]:
        """Start the three servers, run the interleaved rounds (then the batch, if asked)
        and stop them: the loads, the batch, the ERROR lines outside the loads."""
        say(f"\n{workers} worker(s): starting the three servers")
        loads: list[Load] = []
        measured = None
        with ExitStack() as stack:
            servers = self.start(stack, workers)
            service, webhooks = servers[0], servers[1]
            service.token = await service_token(service.port, self.client)
            webhooks.token = await service_token(service.port, self.webhook_client)
            await self.subscribe(webhooks)
            for server in servers:
                await smoke(server, self.body.read_bytes(), self.db_of(server))
            for round_ in range(1, self.args.rounds + 1):
                # Interleaved, so that a machine whose speed drifts during the run (a shared
                # host does) weighs on all three alike.
                for server in servers:
                    load = await measure(
                        self.wrk, server, self.body, self.db_of(server), self.args, round_
                    )
                    loads.append(load)
                    say(f"  round {round_}: " + load_line(str(round_), load).strip())
            if batch:
                say("createDebts of 1,000 debts, validate_debt alone, COPY of 1,000 rows")
                measured = await measure_batch(service, self.db, 1000, self.args.batch_runs)
        outside = {}
        for server in servers:  # read once they stopped: their shutdown is logged too
            if server.name == "webhooks":
                continue  # the service's log, read for it
            during = [line for load in loads if load.server == server.name for line in load.errors]
            rest = Counter(error_lines(server.log, 0)) - Counter(during)
            outside[f"{server.name}, {workers} worker(s)"] = list(rest.elements())
        return loads, measured, outside


def service_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "APP_ENV": "production",
        # Rate limiting stays on (its cost is part of every request) but out of the way.
        "RATE_LIMIT_REQUESTS": "1000000000",
        "RATE_LIMIT_WRITES": "1000000000",
        # The webhook company's endpoint is on loopback (a closed port): allowed here only.
        "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
    }


async def main(args: argparse.Namespace) -> None:
    from app.config import Settings

    wrk = ensure_wrk()
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="bench-service-"))
    run_dir.mkdir(parents=True, exist_ok=True)
    say(f"run directory: {run_dir}")

    own = args.database_url is None
    url = await create_own_database() if own else args.database_url
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    env = service_env(url)
    settings = Settings(database_url=url)
    pool_max = args.baseline_pool or settings.db_pool_size + settings.db_pool_overflow
    debt_api(env, "migrate")
    company = debt_api(env, "create-company", "--name", "Benchmark")
    client = debt_api(env, "create-client", "--company", company["company_id"])
    webhook_company = debt_api(env, "create-company", "--name", "Benchmark with a webhook")
    webhook_client = debt_api(env, "create-client", "--company", webhook_company["company_id"])
    body = run_dir / "createDebt.json"
    body.write_text(json.dumps({"query": CREATE_DEBT, "variables": {"input": DEBT}}))
    connection = await asyncpg.connect(dsn)
    results: dict[int, list[Load]] = {}
    errors_outside: dict[str, list[str]] = {}
    batch = None
    try:
        company_key = await connection.fetchval(
            "SELECT id FROM company WHERE public_id = $1", company["company_id"]
        )
        webhook_key = await connection.fetchval(
            "SELECT id FROM company WHERE public_id = $1", webhook_company["company_id"]
        )
        free = await connection.fetchval(
            "SELECT current_setting('max_connections')::int - count(*) FROM pg_stat_activity"
        )
        # A loaded server holds about one connection per wrk connection at most; the idle
        # service keeps its steady pool, the idle baselines none (see Database.drained).
        most = max(args.workers)
        wanted = (
            min(args.connections, pool_max * most)
            + min(args.connections, settings.db_pool_size * most)
            + 2
        )
        say(f"PostgreSQL: {free} connections free; this run may want about {wanted}")
        if free < wanted:
            say("  fewer than that: expect connection errors, or lower --baseline-pool")
        baseline_env = {
            **env,
            "BENCH_DSN": dsn,
            "BENCH_COMPANY_ID": str(company_key),
            "BENCH_POOL_MAX": str(pool_max),
        }
        db = Database(connection, company_key)
        run = Run(
            args,
            wrk,
            run_dir,
            env,
            baseline_env,
            client,
            db,
            body,
            webhook_client,
            Database(connection, webhook_key),
        )
        for workers in args.workers:
            loads, measured, outside = await run.at(workers, batch=batch is None)
            results[workers] = loads
            errors_outside.update(outside)
            batch = batch or measured
    finally:
        await connection.close()
        if own:
            await drop_own_database()
    for workers, loads in results.items():
        print_table(workers, loads, args)
    print_summary(results, batch, errors_outside, run_dir)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
