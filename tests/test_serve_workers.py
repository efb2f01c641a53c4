"""`debt-api serve --workers 2` as an operator runs it: workers kept up, even through an outage."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.utils.api import CREATE_DEBT, DEBT, VALID_DEBT
from tests.utils.ports import free_port
from tests.utils.postgres_cluster import PostgresCluster, postgres_bin

# What each worker logs (uvicorn's lifespan) once it serves.
STARTED = "Application startup complete."


def _environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "GRAPHIQL": "false",
        "CLIENT_SECRET_HASH_MEMORY_KIB": "8",
        "CLIENT_SECRET_HASH_TIME_COST": "1",
    }


def _workers(pid: int) -> set[int]:
    """The server's worker processes (children started by multiprocessing's spawn)."""
    workers = set()
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue  # it has just exited
        if b"spawn_main" in command:
            workers.add(int(child))
    return workers


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def messages(self) -> list[str]:
        """The `message` of every JSON line logged so far."""
        found = []
        for line in self.log().splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict) and isinstance(entry.get("message"), str):
                    found.append(entry["message"])
        return found

    def wait_for_startups(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.messages().count(STARTED) < count:
            assert self.process.poll() is None, f"the server stopped:\n{self.log()}"
            assert time.monotonic() < deadline, f"not {count} startups:\n{self.log()}"
            time.sleep(0.2)

    def wait_for_replacement(self, victim: int, workers: int, timeout: float = 60) -> set[int]:
        deadline = time.monotonic() + timeout
        current = _workers(self.process.pid)
        while len(current) < workers or victim in current:
            assert self.process.poll() is None, f"the server stopped:\n{self.log()}"
            assert time.monotonic() < deadline, f"{victim} not replaced: {current}\n{self.log()}"
            time.sleep(0.2)
            current = _workers(self.process.pid)
        return current


@contextlib.contextmanager
def serve(database_url: str, log_path: Path, workers: int = 2) -> Iterator[Served]:
    """`debt-api serve --workers N` in a process group of its own, every worker started."""
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=_environment(database_url),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    served = Served(process, f"http://127.0.0.1:{port}", log_path)
    try:
        served.wait_for_startups(workers)
        yield served
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _sqlite(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"


def test_the_address_is_printed_once_with_several_workers(tmp_path: Path) -> None:
    with serve(_sqlite(tmp_path), tmp_path / "serve.log") as served:
        assert httpx.get(f"{served.url}/health", timeout=10).status_code == 200
        mentions = [message for message in served.messages() if served.url in message]
    assert len(mentions) == 1, served.log()
    assert mentions[0].startswith(f"Uvicorn running on {served.url}")


def test_a_dead_worker_is_replaced(tmp_path: Path) -> None:
    with serve(_sqlite(tmp_path), tmp_path / "serve.log") as served:
        first = _workers(served.process.pid)
        assert len(first) == 2
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        replaced = served.wait_for_replacement(victim, 2)
        assert replaced & first == first - {victim}
        served.wait_for_startups(3)
        for _ in range(8):  # connections land on either worker: all of them answer
            assert httpx.get(f"{served.url}/health", timeout=10).status_code == 200


def test_sigterm_lets_requests_in_flight_finish_then_stops_every_worker(tmp_path: Path) -> None:
    body = json.dumps({"query": "{ __typename }"}).encode()
    with serve(_sqlite(tmp_path), tmp_path / "serve.log") as served:
        workers = _workers(served.process.pid)
        port = int(served.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            # The headers only: uvicorn answers "100 Continue" once the application asks for
            # the body, so then the request is in flight, its handler waiting for the rest.
            connection.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                + f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            )
            assert connection.recv(64) == b"HTTP/1.1 100 Continue\r\n\r\n"
            served.process.send_signal(signal.SIGTERM)
            time.sleep(1)  # every worker has the signal and has stopped accepting
            assert served.process.poll() is None  # still waiting for this request
            connection.sendall(body)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200"), answer
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1]) == {"data": {"__typename": "Query"}}
        assert served.process.wait(timeout=40) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_a_port_already_taken_fails_once_and_clearly(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
            env=_environment(_sqlite(tmp_path)),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Address already in use" in result.stderr


def _cli(database_url: str, *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=_environment(database_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    output: dict[str, Any] = json.loads(result.stdout)
    return output


def _create_debt(url: str, token: str) -> dict[str, Any]:
    response = httpx.post(
        f"{url}/graphql",
        json={"query": CREATE_DEBT, "variables": {"input": VALID_DEBT}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.skipif(
    postgres_bin() is None, reason="no PostgreSQL server binaries (initdb, pg_ctl) installed"
)
def test_a_worker_killed_during_an_outage_is_replaced_and_serves_once_the_database_is_back(
    tmp_path: Path,
) -> None:
    cluster = PostgresCluster.create()
    try:
        cluster.start()
        url = cluster.url
        company = _cli(url, "create-company", "--name", "ACME")["company_id"]
        client = _cli(url, "create-client", "--company", company)
        with serve(url, tmp_path / "serve.log") as served:
            token = httpx.post(
                f"{served.url}/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": client["client_id"],
                    "client_secret": client["client_secret"],
                },
                timeout=30,
            ).json()["access_token"]
            assert _create_debt(served.url, token)["data"]["createDebt"]["__typename"] == "Debt"

            cluster.stop()
            assert httpx.get(f"{served.url}/health", timeout=30).status_code == 503
            [error] = _create_debt(served.url, token)["errors"]
            assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE"}

            # The replacement starts while the database is still down: no start-up work
            # may need it (the schema was migrated once, by `serve`, before any worker).
            victim = min(_workers(served.process.pid))
            os.kill(victim, signal.SIGKILL)
            served.wait_for_replacement(victim, 2)
            served.wait_for_startups(3)
            assert httpx.get(f"{served.url}/health", timeout=30).status_code == 503

            cluster.start()
            deadline = time.monotonic() + 20
            while httpx.get(f"{served.url}/health", timeout=20).status_code != 200:
                assert time.monotonic() < deadline, served.log()
                time.sleep(0.2)
            # Several, so that both workers (connections land on either) create one.
            for _ in range(6):
                created = _create_debt(served.url, token)
                assert created["data"]["createDebt"]["__typename"] == "Debt", created
            assert time.monotonic() < deadline
            read = httpx.post(
                f"{served.url}/graphql",
                json={"query": DEBT, "variables": {"id": created["data"]["createDebt"]["id"]}},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ).json()
            assert read["data"]["debt"]["firstname"] == VALID_DEBT["firstname"], read
            assert served.process.poll() is None
    finally:
        cluster.destroy()


def test_a_mistake_that_would_stop_every_worker_fails_once_and_clearly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(free_port()), "--workers", "2"],
        env={**_environment(_sqlite(tmp_path)), "REDIS_URL": "not-a-url"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "debt-api: a worker cannot start: ValueError: Redis URL" in result.stderr
    assert "Started server process" not in result.stdout + result.stderr  # no worker tried
