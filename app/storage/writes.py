"""Inserting rows of one table on the driver itself, where SQLAlchemy's layers cost the most.

createDebt's INSERT and createDebts' rows are the hottest writes of the service. Through
SQLAlchemy's session, Connection and result layers one INSERT cost about 0.3 ms of CPU;
on the pool's own asyncpg connection, with the statement compiled once, under 0.1 ms
(measured here, `tests/perf/bench_service.py`). A batch goes in as one COPY.

The values still go through SQLAlchemy's own bind processing for each column type (exact
decimals, UTC instants, JSON), so both paths store exactly what the ORM would. On SQLite
the rows go through SQLAlchemy Core, as everything else does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Dialect, Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.storage.db import pooled_driver

Row = Mapping[str, Any]

# Single statements need no transaction: autocommit saves the BEGIN and COMMIT round trips.
AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


class RowWriter:
    """INSERTs into one table: every column but the generated primary key, from a mapping."""

    def __init__(self, table: Table) -> None:
        self._table = table
        self._insert = insert(table)
        self._columns: list[Column[Any]] = [c for c in table.columns if not c.primary_key]
        self._compiled: dict[str, _DriverInsert] = {}

    async def insert_one(self, engine: AsyncEngine, row: Row) -> None:
        """One row, committed on its own."""
        if engine.dialect.name != "postgresql":
            async with engine.connect() as connection:
                await (await connection.execution_options(**AUTOCOMMIT)).execute(self._insert, row)
            return
        statement = self._driver_insert(engine.dialect)
        async with pooled_driver(engine) as driver:
            await driver.execute(statement.sql, *statement.values(row))

    async def insert_many(self, connection: AsyncConnection, rows: Sequence[Row]) -> None:
        """Rows within the connection's transaction: one COPY on PostgreSQL, else executemany."""
        if not rows:
            return
        if connection.dialect.name != "postgresql":
            await connection.execute(self._insert, list(rows))
            return
        statement = self._driver_insert(connection.dialect)
        driver: Any = (await connection.get_raw_connection()).driver_connection
        if len(rows) == 1:  # a COPY costs more than the INSERT of a single row
            await driver.execute(statement.sql, *statement.values(rows[0]))
            return
        await driver.copy_records_to_table(
            self._table.name,
            records=[statement.values(row) for row in rows],
            columns=statement.columns,
        )

    def _driver_insert(self, dialect: Dialect) -> _DriverInsert:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _DriverInsert(
                self._insert, self._columns, dialect
            )
        return compiled


class _DriverInsert:
    """The INSERT in the driver's own parameter style, and each column's bind conversion."""

    def __init__(self, statement: Any, columns: list[Column[Any]], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=[c.key for c in columns])
        self.sql = str(compiled)
        order = compiled.positiontup  # the parameter names in $1, $2... order
        if order != [c.key for c in columns]:  # a SQLAlchemy change would break this
            raise RuntimeError(f"unexpected parameter order {order}")
        self.columns = [c.name for c in columns]
        self._row_values = itemgetter(*[c.key for c in columns])
        # Most columns need no conversion: only these do, by position in the row.
        self._conversions = [
            (position, process, process(None))  # None converted once, not per row
            for position, column in enumerate(columns)
            if (process := column.type.dialect_impl(dialect).bind_processor(dialect))
        ]

    def values(self, row: Row) -> tuple[Any, ...]:
        values = list(self._row_values(row))
        for position, process, none in self._conversions:
            value = values[position]
            values[position] = none if value is None else process(value)
        return tuple(values)
