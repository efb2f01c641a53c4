"""Telling "the database is unreachable right now" apart from every other error, and
logging an outage once per interval rather than once per request."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# Errors meaning "the database cannot be reached right now", not "this request is wrong".
_OUTAGES: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


# PostgreSQL SQLSTATEs of the same kind, raised by asyncpg before SQLAlchemy can classify
# them (a connect fails with the server's own error): connection exceptions (class 08, which
# includes asyncpg's ConnectionDoesNotExistError), insufficient resources (class 53: too many
# connections, disk full), and shutdown or startup in progress (57P01-57P03).
_OUTAGE_SQLSTATE_CLASSES = ("08", "53")
_OUTAGE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def is_outage(error: BaseException | None) -> bool:
    """Whether an error means the database is unreachable now (retry later), not a bug."""
    for cause in _causes(error):
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, _OUTAGES):
            return True
        sqlstate = getattr(cause, "sqlstate", None)
        if isinstance(sqlstate, str) and (
            sqlstate[:2] in _OUTAGE_SQLSTATE_CLASSES or sqlstate in _OUTAGE_SQLSTATES
        ):
            return True
    return False


def _causes(error: BaseException | None) -> list[BaseException]:
    """The error, what SQLAlchemy wrapped, and what it was raised from, each once."""
    seen: list[BaseException] = []
    while error is not None and all(error is not known for known in seen) and len(seen) < 10:
        seen.append(error)
        wrapped = getattr(error, "orig", None)
        error = wrapped if isinstance(wrapped, BaseException) else error.__cause__
    return seen


class OutageLog:
    """An outage in the log: one line when it starts, then one per interval with a count.

    Every request that meets the outage fails the same way; a trace each would bury the log
    (two outages of about 6 s once wrote 1,837 of them).
    """

    def __init__(
        self,
        logger: logging.Logger,
        *,
        interval_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._interval = interval_seconds
        self._clock = clock
        self._since: dict[str, float] = {}
        self._failed: dict[str, int] = {}

    def failed(self, what: str, error: BaseException) -> None:
        """A request `what` needed could not be served: `what` is unavailable."""
        now = self._clock()
        self._failed[what] = self._failed.get(what, 0) + 1
        since = self._since.get(what)
        if since is not None and now - since < self._interval:
            return
        count = self._failed.pop(what)
        if since is None or now - since >= 2 * self._interval:  # a new outage
            self._logger.error("%s unavailable (%s)", what, type(error).__name__)
        else:
            self._logger.error(
                "%s still unavailable: %d requests failed in the last %.0f s (%s)",
                what,
                count,
                now - since,
                type(error).__name__,
            )
        self._since[what] = now


def new_outage_log() -> OutageLog:
    return OutageLog(logging.getLogger("app.outages"))
