"""Several uvicorn worker processes, each accepting connections on a socket of its own.

uvicorn's own `--workers` shares one listening socket among the workers, and whichever
wakes first accepts every connection waiting: of 32 connections opened at once by one
client, all landed on one worker in four trials of eight here, and 27 or more in seven
(`ss -tnp`), leaving the other idle while the first queued every request. Here each
worker binds its own socket with SO_REUSEPORT and the kernel spreads connections across
them by address, as Gunicorn's `reuse_port` and nginx's `reuseport` do.

The supervisor restarts a worker that dies once serving, stops when one fails to start,
and stops every worker gracefully (SIGTERM: uvicorn finishes the requests in flight) when
it is asked to stop itself.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from typing import Any

import uvicorn

log = logging.getLogger("app.workers")

_GRACEFUL_SECONDS = 30.0


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    """A socket bound to host:port that other processes may bind too (SO_REUSEPORT)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, which hides what startup loaded from the garbage collector."""

    def __init__(self, config: uvicorn.Config, ready: EventType | None = None) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.started:
            return
        if self._ready is not None:
            self._ready.set()
            log.info("worker %d serving", os.getpid())
        # What the application loaded (phone metadata, schema, mappers: most of the heap)
        # lives as long as the process. Left in the collector's sight, each full collection
        # walked it all under load: 65 to 110 ms pauses every request in flight waited
        # through, the slowest 1.5% of createDebt. Frozen, they take 3 to 10 ms.
        gc.collect()
        gc.freeze()


def serve_one(options: dict[str, Any]) -> None:
    """One server process, in this process."""
    _Server(uvicorn.Config(**options)).run()


def _worker(options: dict[str, Any], ready: EventType) -> None:
    config = uvicorn.Config(**options)
    sock = listening_socket(config.host, config.port, config.backlog)
    _Server(config, ready).run(sockets=[sock])


@dataclass
class _Worker:
    process: BaseProcess
    ready: EventType  # set once it serves: a worker dying before that failed to start


class Supervisor:
    def __init__(self, options: dict[str, Any], workers: int) -> None:
        self._options = options
        self._workers = workers
        self._context = multiprocessing.get_context("spawn")
        self._stop = threading.Event()

    def run(self) -> int:
        """Serve until SIGINT or SIGTERM; the exit status."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self._stop.set())
        # Bound once here first, so a port another program holds fails once, clearly.
        listening_socket(self._options["host"], self._options["port"], 1).close()
        running = [self._start() for _ in range(self._workers)]
        status = 0
        while not self._stop.wait(0.5):
            for worker in [w for w in running if not w.process.is_alive()]:
                running.remove(worker)
                pid, code = worker.process.pid, worker.process.exitcode
                if not worker.ready.is_set():
                    # A port taken or a database unreachable: another try would fail too.
                    log.error("worker %s failed to start (exit %s): stopping", pid, code)
                    status = 1
                    self._stop.set()
                    break
                log.warning("worker %s died (exit %s): starting another", pid, code)
                running.append(self._start())
        self._shut_down([worker.process for worker in running])
        return status

    def _start(self) -> _Worker:
        ready = self._context.Event()
        process = self._context.Process(target=_worker, args=(self._options, ready))
        process.start()
        return _Worker(process, ready)

    def _shut_down(self, processes: list[BaseProcess]) -> None:
        for process in processes:
            process.terminate()  # SIGTERM: uvicorn's graceful shutdown
        deadline = time.monotonic() + _GRACEFUL_SECONDS
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
