"""Telling "the database is unreachable right now" apart from every other error."""

from __future__ import annotations

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
