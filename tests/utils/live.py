"""A real server process (uvicorn) on 127.0.0.1, for tests that need one beyond the ASGI app."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    _log: IO[bytes]

    def is_running(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")


@contextlib.contextmanager
def live_server(database_url: str, secret_key: str, **env: str) -> Iterator[LiveServer]:
    """uvicorn serving create_app() on a socket bound here and handed over.

    The socket listens before the server starts, so requests sent early wait in its backlog
    until the application (migrations included) is up: no polling for readiness.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        **env,
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.http.app:create_app",
        "--factory",
        "--fd",
        str(listener.fileno()),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            env=environment,
            pass_fds=[listener.fileno()],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        listener.close()  # the server holds its own copy
        server = LiveServer(f"http://127.0.0.1:{port}", process, log)
        try:
            yield server
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
