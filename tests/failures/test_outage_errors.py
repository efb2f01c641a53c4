"""Which errors mean "the database is unreachable" (SERVICE_UNAVAILABLE) and which are bugs.

Most of these cannot be produced on demand (a server in the middle of starting up, a full
connection table), so the classification is checked on the errors as the drivers raise them;
tests/failures/test_database_outage.py shows the real stopped-database paths end to end.
"""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.storage.outages import is_outage


def wrapped(error: BaseException, outer: type[DBAPIError] = DBAPIError) -> DBAPIError:
    """As SQLAlchemy raises a driver error: the driver's exception as `orig` and cause."""
    wrapper = outer("INSERT INTO debt ...", {}, error)
    wrapper.__cause__ = error
    return wrapper


OUTAGES = [
    ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
    ConnectionResetError(104, "Connection reset by peer"),
    TimeoutError(),
    PoolTimeoutError("QueuePool limit of size 10 overflow 10 reached"),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.CrashShutdownError("terminating connection because of crash of another process"),
    asyncpg.TooManyConnectionsError("sorry, too many clients already"),
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.PostgresConnectionError("connection failure"),
    wrapped(asyncpg.CannotConnectNowError("the database system is shutting down")),
    wrapped(asyncpg.ConnectionDoesNotExistError("connection was closed")),
    wrapped(ConnectionRefusedError(111, "refused"), OperationalError),
]

FAULTS = [
    ValueError("a bug"),
    LookupError("idempotency key refers to a missing debt"),
    asyncpg.UniqueViolationError("duplicate key value violates unique constraint"),
    wrapped(asyncpg.UniqueViolationError("duplicate key"), IntegrityError),
    wrapped(asyncpg.SyntaxOrAccessError("syntax error")),
    asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
]


@pytest.mark.parametrize("error", OUTAGES, ids=lambda e: type(e).__name__)
def test_unreachable_database_errors_are_outages(error: BaseException) -> None:
    assert is_outage(error)


@pytest.mark.parametrize("error", FAULTS, ids=lambda e: type(e).__name__)
def test_other_errors_are_faults(error: BaseException) -> None:
    assert not is_outage(error)
