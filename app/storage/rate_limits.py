"""Rate-limit counters every server instance shares: a database table, or Redis."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError
from sqlalchemy import TextClause, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.domain.rate_limits import WindowCounts
from app.storage.models import RateLimitCounter
from app.storage.outages import is_outage

log = logging.getLogger(__name__)


class CountersUnavailable(Exception):
    """The counter store did not answer; the caller decides whether to let requests through."""


class CounterStore(Protocol):
    # Whether requests go through when the store is down (see RateLimiter).
    fail_open: bool

    async def hit(
        self, client_id: str, quotas: Sequence[str], window: int, amount: int = 1
    ) -> list[WindowCounts]:
        """Count `amount` requests in each quota's window; the counts after them, in order."""
        ...

    async def undo(
        self, client_id: str, quotas: Sequence[str], counts: list[WindowCounts], amount: int = 1
    ) -> None:
        """Take back requests `hit` counted (they were refused)."""
        ...

    async def close(self) -> None: ...


_table = RateLimitCounter.__table__  # type: ignore[attr-defined]
_c = _table.c


class DatabaseCounters:
    """One upsert per request, atomic in the database, one round trip on PostgreSQL.

    The row holds the latest window's count and the one before. When the request falls in
    a later window, the row rolls: the current count becomes the previous one (or zero
    when a whole window passed with no request). A server whose clock runs behind counts
    into the newer window already stored rather than rolling the row back.
    """

    # The request needs this database anyway: if it cannot count, it cannot serve.
    fail_open = False

    def __init__(self, engine: AsyncEngine) -> None:
        # Autocommit: no BEGIN/COMMIT round trips around the single statement.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._upserts = {count: _upsert(count) for count in (1, 2)}

    async def hit(
        self, client_id: str, quotas: Sequence[str], window: int, amount: int = 1
    ) -> list[WindowCounts]:
        parameters = {"client_id": client_id, "window": window, "amount": amount}
        parameters.update({f"quota_{i}": quota for i, quota in enumerate(quotas)})
        try:
            async with self._engine.connect() as connection:
                result = await connection.execute(self._upserts[len(quotas)], parameters)
                rows = result.all()
        except (TimeoutError, SQLAlchemyError, OSError) as error:
            raise CountersUnavailable from error
        except Exception as error:
            if is_outage(error):  # asyncpg's own connection errors, by class or SQLSTATE
                raise CountersUnavailable from error
            raise
        by_quota = {
            row.quota: WindowCounts(row.window_index, row.current_count, row.previous_count)
            for row in rows
        }
        return [by_quota[quota] for quota in quotas]

    async def undo(
        self, client_id: str, quotas: Sequence[str], counts: list[WindowCounts], amount: int = 1
    ) -> None:
        try:
            async with self._engine.connect() as connection:
                for quota, counted in zip(quotas, counts, strict=True):
                    await connection.execute(
                        update(_table)
                        .where(
                            _c.client_id == client_id,
                            _c.quota == quota,
                            _c.window_index == counted.window,
                            _c.current_count >= amount,
                        )
                        .values(current_count=_c.current_count - amount)
                    )
        except (SQLAlchemyError, OSError) as error:
            raise CountersUnavailable from error

    async def close(self) -> None:
        """The engine belongs to the runtime, which disposes of it."""


def _upsert(quotas: int) -> TextClause:
    """Count `amount` requests for `quotas` quotas of a client (parameters client_id, window,
    amount, quota_0...), rolling each row to the request's window first; the rows after.

    Written as SQL text because SQLAlchemy cannot cache a multi-row INSERT ... ON CONFLICT
    construct: it recompiled it for every request, which cost more than running it. The
    same text runs on PostgreSQL and SQLite; in SET, column names read the row as it was.
    """
    rows = ", ".join(f"(:client_id, :quota_{i}, :window, :amount, 0)" for i in range(quotas))
    return text(
        f"""
        INSERT INTO rate_limit_counter
            (client_id, quota, window_index, current_count, previous_count)
        VALUES {rows}
        ON CONFLICT (client_id, quota) DO UPDATE SET
            previous_count = CASE
                WHEN rate_limit_counter.window_index >= excluded.window_index
                    THEN rate_limit_counter.previous_count
                WHEN rate_limit_counter.window_index = excluded.window_index - 1
                    THEN rate_limit_counter.current_count
                ELSE 0 END,
            current_count = CASE
                WHEN rate_limit_counter.window_index >= excluded.window_index
                    THEN rate_limit_counter.current_count + excluded.current_count
                ELSE excluded.current_count END,
            window_index = CASE
                WHEN rate_limit_counter.window_index > excluded.window_index
                    THEN rate_limit_counter.window_index
                ELSE excluded.window_index END
        RETURNING quota, window_index, current_count, previous_count
        """
    )


# KEYS: for each quota, its current window's key then the previous window's key.
# ARGV[1]: how long a window's key must live (it is read as "previous" one window later).
# ARGV[2]: how many requests to count.
_HIT = """
local counts = {}
for i = 1, #KEYS, 2 do
  local current = redis.call('INCRBY', KEYS[i], ARGV[2])
  if current == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[i], ARGV[1]) end
  counts[#counts + 1] = current
  counts[#counts + 1] = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
end
return counts
"""


class RedisCounters:
    """One key per client, quota and window, counted by one atomic script call."""

    # Redis only holds counters: its outage must not take the API down with it.
    fail_open = True

    def __init__(
        self,
        url: str,
        *,
        window_seconds: int,
        timeout: float,
        max_connections: int = 50,
        prefix: str = "rl",
    ) -> None:
        # redis-py's default pool raises as soon as its connections are all in use, which a
        # burst of requests reads as an outage and lets through uncounted. This pool makes a
        # request wait for a connection instead, as long as a command may take: waiting
        # longer means Redis itself does not answer, the one case requests go through.
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=timeout,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
        self._redis = Redis.from_pool(pool)  # closing the client closes its pool
        self._hit = self._redis.register_script(_HIT)
        self._ttl = 2 * window_seconds + 60
        self._prefix = prefix

    def _key(self, client_id: str, quota: str, window: int) -> str:
        # The braces keep one client's keys in one Redis Cluster slot, as scripts require.
        return f"{self._prefix}:{{{client_id}}}:{quota}:{window}"

    async def hit(
        self, client_id: str, quotas: Sequence[str], window: int, amount: int = 1
    ) -> list[WindowCounts]:
        keys = []
        for quota in quotas:
            keys += [self._key(client_id, quota, window), self._key(client_id, quota, window - 1)]
        try:
            values = await self._hit(keys=keys, args=[self._ttl, amount])
        except (RedisError, OSError) as error:
            raise CountersUnavailable from error
        return [
            WindowCounts(window, int(values[2 * i]), int(values[2 * i + 1]))
            for i in range(len(quotas))
        ]

    async def undo(
        self, client_id: str, quotas: Sequence[str], counts: list[WindowCounts], amount: int = 1
    ) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for quota, counted in zip(quotas, counts, strict=True):
                    pipe.decrby(self._key(client_id, quota, counted.window), amount)
                await pipe.execute()
        except (RedisError, OSError) as error:
            raise CountersUnavailable from error

    async def close(self) -> None:
        await self._redis.aclose()
