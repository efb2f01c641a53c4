"""`debt-api serve --workers 2` as an operator runs it: connections spread, workers kept up."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.utils.ports import free_port


def _workers(pid: int) -> set[int]:
    """The server's worker processes (multiprocessing also starts a resource tracker)."""
    workers = set()
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue  # it has just exited
        if b"spawn_main" in command:
            workers.add(int(child))
    return workers


def _established(port: int, pids: set[int]) -> Counter[int]:
    """How many established connections to `port` each process holds (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
                inodes.add(fields[9])
    held: Counter[int] = Counter()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held[pid] += 1
    return held


def _wait_for_health(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not answer /health in time")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
        "GRAPHIQL_ENABLED": "false",
    }
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        # Both workers serving, not only the first to answer.
        while (tmp_path / "serve.log").read_text().count('serving"') < 2:
            assert time.monotonic() < deadline and process.poll() is None, "did not start"
            time.sleep(0.2)
        _wait_for_health(f"http://127.0.0.1:{port}", deadline)
        yield process, port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_connections_opened_at_once_are_spread_over_the_workers(
    served: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = served
    workers = _workers(process.pid)
    assert len(workers) == 2
    connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(32)]
    try:
        for connection in connections:
            connection.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        for connection in connections:
            assert connection.recv(64).startswith(b"HTTP/1.1 200")
        held = _established(port, workers)
    finally:
        for connection in connections:
            connection.close()
    # The kernel spreads them by address: both workers get some (one worker taking all 32,
    # as with a shared socket, has a chance of 2 in 2^32 here; 3 or fewer, about 1 in 400,000).
    assert sum(held.values()) == 32, held
    assert min(held[worker] for worker in workers) >= 4, held


def test_a_dead_worker_is_replaced_and_sigterm_stops_them_all(
    served: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = served
    first = _workers(process.pid)
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    replaced = _workers(process.pid)
    while time.monotonic() < deadline and (len(replaced) < 2 or victim in replaced):
        time.sleep(0.2)
        replaced = _workers(process.pid)
    assert len(replaced) == 2 and victim not in replaced, replaced
    _wait_for_health(f"http://127.0.0.1:{port}", deadline)

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in replaced)


def test_a_port_already_taken_fails_once_and_clearly(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
            env={
                **os.environ,
                "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'taken.db'}",
                "GRAPHIQL_ENABLED": "false",
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Address already in use" in result.stderr
