"""The debt table and every statement on it: insert one, COPY many, read debts back.

Debts come and go as DebtRecord, one typed attribute per column, frozen: nothing a rollback
could expire, nothing untyped. The record's attributes are the table's column keys (checked
below at import), so a new column is a new attribute here and nowhere else in storage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Dialect,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    false,
    insert,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.domain.debts import DebtStatus, ValidDebt
from app.storage import debt_events, ids
from app.storage.db import autocommit
from app.storage.debt_events import EVENT_COLUMNS, EVENT_TABLE, EventRecord
from app.storage.models import Debt, Timeline

DEBT_TABLE: Table = Debt.__table__  # type: ignore[attr-defined]
_TIMELINE: Table = Timeline.__table__  # type: ignore[attr-defined]
_DEBT = DEBT_TABLE.c


@dataclass(frozen=True, slots=True)
class DebtRecord:
    """One row of the debt table, without its integer key."""

    public_id: str
    company_id: int
    status: str
    civility: str | None
    firstname: str
    lastname: str
    phone: str | None
    email: str | None
    birthdate: date | None
    amount: Decimal
    currency: str
    object: str | None
    internal_id: str | None
    invoice_reference: str | None
    debtor_reference: str | None
    invoice_date: date | None
    due_date: date | None
    address: str | None
    street_address: str | None
    street_number: str | None
    postal_code: str | None
    city: str | None
    country: str | None
    iban: str | None
    creditor: str | None
    debtor_company: str | None
    payment_link: str | None
    metadata: dict[str, Any] | None
    timeline_id: int | None
    import_id: int | None
    timeline_start_mode: str | None
    timeline_start_at: datetime | None
    destination_country: str | None
    nb_reminders: int
    nb_answered: int
    followups_count: int
    summary: str | None
    import_date: datetime
    version: int
    erased_at: datetime | None
    held_from_status: str | None

    @classmethod
    def new(
        cls,
        debt: ValidDebt,
        *,
        company_id: int,
        now: datetime,
        timeline_id: int | None = None,
        timeline_start_at: datetime | None = None,
        import_id: int | None = None,
        public_id: str | None = None,
    ) -> DebtRecord:
        """The row of a checked debt registered now: PENDING, counters at zero."""
        return cls(
            public_id=public_id or ids.new_public_id(ids.DEBT),
            company_id=company_id,
            status=DebtStatus.PENDING.value,
            civility=debt.civility.value if debt.civility else None,
            firstname=debt.firstname,
            lastname=debt.lastname,
            phone=debt.phone,
            email=debt.email,
            birthdate=debt.birthdate,
            amount=debt.amount,
            currency=debt.currency,
            object=debt.object,
            internal_id=debt.internal_id,
            invoice_reference=debt.invoice_reference,
            debtor_reference=debt.debtor_reference,
            invoice_date=debt.invoice_date,
            due_date=debt.due_date,
            address=debt.address,
            street_address=debt.street_address,
            street_number=debt.street_number,
            postal_code=debt.postal_code,
            city=debt.city,
            country=debt.country,
            iban=debt.iban,
            creditor=debt.company,
            debtor_company=debt.debtor_company,
            payment_link=debt.payment_link,
            metadata=debt.metadata,
            timeline_id=timeline_id,
            import_id=import_id,
            timeline_start_mode=debt.timeline_start_mode.value if timeline_id else None,
            timeline_start_at=timeline_start_at if timeline_id else None,
            destination_country=debt.destination.country if debt.destination else None,
            nb_reminders=0,
            nb_answered=0,
            followups_count=0,
            summary=None,
            import_date=now,
            version=1,
            erased_at=None,
            held_from_status=None,
        )


COLUMNS = tuple(field.name for field in dataclasses.fields(DebtRecord))
if set(COLUMNS) != {column.key for column in DEBT_TABLE.columns if not column.primary_key}:
    raise RuntimeError("DebtRecord's attributes must be the debt table's columns")

_values_of = attrgetter(*COLUMNS)  # a record's values, in COLUMNS order


@dataclass(frozen=True, slots=True)
class StoredDebt:
    """A debt as read back: its row, and the public id of the timeline it is attached to."""

    record: DebtRecord
    timeline_public_id: str | None


async def insert_debt(connection: AsyncConnection, record: DebtRecord) -> None:
    """One debt, in the connection's transaction (or on its own on an autocommit one)."""
    rows = _driver_rows(connection.dialect)
    await connection.exec_driver_sql(rows.insert, rows.values(record))


async def insert_debts(connection: AsyncConnection, records: Sequence[DebtRecord]) -> None:
    """Many debts in the connection's transaction: one COPY on PostgreSQL, else executemany."""
    if not records:
        return
    rows = _driver_rows(connection.dialect)
    if connection.dialect.name != "postgresql" or len(records) == 1:  # COPY costs more for one
        await connection.exec_driver_sql(rows.insert, [rows.values(record) for record in records])
        return
    raw = await connection.get_raw_connection()  # the same connection, inside its transaction
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(
        DEBT_TABLE.name, records=[rows.values(record) for record in records], columns=rows.names
    )


def creating(engine: AsyncEngine) -> AsyncConnection:
    """A connection (`async with creating(engine) as connection`) on which
    insert_debt_with_event is all or nothing at the least cost: on PostgreSQL an autocommit
    one, the debt and its event being one statement; elsewhere a transaction, the two being
    two statements."""
    if engine.dialect.name == "postgresql":
        return autocommit(engine)
    return engine.begin()  # type: ignore[return-value]


async def insert_debt_with_event(
    connection: AsyncConnection, record: DebtRecord, event: EventRecord
) -> None:
    """One debt and its CREATED event (see `creating`): one round trip on PostgreSQL."""
    if connection.dialect.name == "postgresql":
        created = _created_rows(connection.dialect)
        await connection.exec_driver_sql(created.statement, created.values(record, event))
        return
    await insert_debt(connection, record)
    key = select(_DEBT.id).where(_DEBT.public_id == record.public_id).scalar_subquery()
    await connection.execute(
        insert(EVENT_TABLE).values(debt_id=key, **debt_events.event_values(event))
    )


async def insert_debts_with_events(
    connection: AsyncConnection,
    records: Sequence[DebtRecord],
    events: Sequence[EventRecord],
    *,
    import_id: int,
) -> None:
    """Many debts of one import and their events (one per record, same order), in the
    connection's transaction: the debts' COPY, one read of their keys, one executemany."""
    await insert_debts(connection, records)
    stored = await connection.execute(
        select(_DEBT.public_id, _DEBT.id).where(_DEBT.import_id == import_id)
    )
    keys: dict[str, int] = {public_id: key for public_id, key in stored}
    await debt_events.insert_events(
        connection,
        [(keys[record.public_id], event) for record, event in zip(records, events, strict=True)],
    )


class _CreatedRows:
    """createDebt's two rows as one PostgreSQL statement: the debt's INSERT ... RETURNING id
    in a CTE, its event inserted from it (positional parameters, converted as _DriverRows)."""

    def __init__(self, dialect: Dialect) -> None:
        def bind(name: str, table: Table, key: str) -> BindParameter[Any]:
            return bindparam(name, type_=table.c[key].type)

        debt_binds = {key: bind(f"d_{key}", DEBT_TABLE, key) for key in COLUMNS}
        new_debt = insert(DEBT_TABLE).values(debt_binds).returning(_DEBT.id).cte("new_debt")
        statement = insert(EVENT_TABLE).from_select(
            ["debt_id", *EVENT_COLUMNS],
            select(new_debt.c.id, *(bind(f"e_{key}", EVENT_TABLE, key) for key in EVENT_COLUMNS)),
        )
        compiled = statement.compile(dialect=dialect)
        self.statement = str(compiled)
        self._order = list(compiled.positiontup or [])
        types = {f"d_{key}": DEBT_TABLE.c[key].type for key in COLUMNS}
        types |= {f"e_{key}": EVENT_TABLE.c[key].type for key in EVENT_COLUMNS}
        if sorted(self._order) != sorted(types):
            raise RuntimeError(f"unexpected parameters {self._order}")
        self._processors = [
            types[name].dialect_impl(dialect).bind_processor(dialect) for name in self._order
        ]

    def values(self, record: DebtRecord, event: EventRecord) -> tuple[Any, ...]:
        given = {f"d_{key}": getattr(record, key) for key in COLUMNS}
        given |= {f"e_{key}": getattr(event, key) for key in EVENT_COLUMNS}
        return tuple(
            value if process is None else process(value)
            for value, process in zip(
                (given[name] for name in self._order), self._processors, strict=True
            )
        )


_CREATED_ROWS: dict[str, _CreatedRows] = {}


def _created_rows(dialect: Dialect) -> _CreatedRows:
    rows = _CREATED_ROWS.get(dialect.name)
    if rows is None:
        rows = _CREATED_ROWS[dialect.name] = _CreatedRows(dialect)
    return rows


class _DriverRows:
    """Debts as the driver takes them: the INSERT compiled once for the dialect, and a
    record's values in its parameter order, each through its column type's bind conversion
    (exact decimals, UTC instants, JSON), as SQLAlchemy's own execution of it would do.

    createDebt's INSERT is the service's hottest statement: run with exec_driver_sql it skips
    the per-call statement cache lookup and parameter processing of a Core execution, and a
    COPY needs these same values anyway.
    """

    def __init__(self, dialect: Dialect) -> None:
        compiled = insert(DEBT_TABLE).inline().compile(dialect=dialect, column_keys=list(COLUMNS))
        if compiled.positiontup != list(COLUMNS):  # both paramstyles in use are positional
            raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")
        self.insert = str(compiled)
        columns = [DEBT_TABLE.c[key] for key in COLUMNS]
        self.names = [column.name for column in columns]
        # Most columns need no conversion: only these, by position, and None converted once.
        self._conversions = [
            (position, process, process(None))
            for position, column in enumerate(columns)
            if (process := column.type.dialect_impl(dialect).bind_processor(dialect))
        ]

    def values(self, record: DebtRecord) -> tuple[Any, ...]:
        values: list[Any] = list(_values_of(record))
        for position, process, none in self._conversions:
            value = values[position]
            values[position] = none if value is None else process(value)
        return tuple(values)


_DRIVER_ROWS: dict[str, _DriverRows] = {}


def _driver_rows(dialect: Dialect) -> _DriverRows:
    rows = _DRIVER_ROWS.get(dialect.name)
    if rows is None:
        rows = _DRIVER_ROWS[dialect.name] = _DriverRows(dialect)
    return rows


_READ = select(
    *(DEBT_TABLE.c[key] for key in COLUMNS), _TIMELINE.c.public_id.label("timeline_public_id")
).outerjoin(_TIMELINE, _TIMELINE.c.id == _DEBT.timeline_id)


def _stored(row: Sequence[Any]) -> StoredDebt:
    *values, timeline_public_id = row
    return StoredDebt(DebtRecord(*values), timeline_public_id)


async def find_debt(
    connection: AsyncConnection, *, company_id: int, public_id: str
) -> StoredDebt | None:
    """The company's debt with that public id; another company's is as absent as none."""
    statement = _READ.where(
        _DEBT.public_id == ids.lookup_key(ids.DEBT, public_id), _DEBT.company_id == company_id
    )
    row = (await connection.execute(statement)).first()
    return None if row is None else _stored(row)


async def debts_of_import(
    connection: AsyncConnection, *, company_id: int, import_id: int
) -> list[StoredDebt]:
    """The debts one import created, in the order they were stored."""
    statement = _READ.where(_DEBT.import_id == import_id, _DEBT.company_id == company_id).order_by(
        _DEBT.id
    )
    return [_stored(row) for row in await connection.execute(statement)]


# --- The listing: newest first, then by key, a page at a time ------------------------------


@dataclass(frozen=True, slots=True)
class DebtCriteria:
    """Every given criterion must hold; None means "any"."""

    status: str | None = None
    internal_id: str | None = None
    imported_from: datetime | None = None  # inclusive
    imported_before: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class DebtSlice:
    debts: list[StoredDebt]
    has_more: bool  # more rows follow the slice
    has_before: bool  # rows matching the criteria come before the `after` debt


def _criteria(company_id: int, wanted: DebtCriteria) -> list[ColumnElement[bool]]:
    criteria: list[ColumnElement[bool]] = [_DEBT.company_id == company_id]
    if wanted.status is not None:
        criteria.append(_DEBT.status == wanted.status)
    if wanted.internal_id is not None:
        # PostgreSQL text cannot hold NUL: such a value is in no row, and must not be sent.
        matchable = "\x00" not in wanted.internal_id
        criteria.append(_DEBT.internal_id == wanted.internal_id if matchable else false())
    if wanted.imported_from is not None:
        criteria.append(_DEBT.import_date >= wanted.imported_from)
    if wanted.imported_before is not None:
        criteria.append(_DEBT.import_date < wanted.imported_before)
    return criteria


def _page(criteria: list[ColumnElement[bool]], *, limit: int) -> Select[Any]:
    return _READ.where(*criteria).order_by(_DEBT.import_date.desc(), _DEBT.id.desc()).limit(limit)


def listing_statement(company_id: int, wanted: DebtCriteria, *, limit: int) -> Select[Any]:
    """The first page's query (exposed so tests can check which index serves each filter)."""
    return _page(_criteria(company_id, wanted), limit=limit)


async def list_debts(
    connection: AsyncConnection,
    *,
    company_id: int,
    wanted: DebtCriteria,
    limit: int,
    after: str | None = None,
) -> DebtSlice | None:
    """Up to `limit` of the company's debts matching `wanted`, after the debt with public id
    `after` if given; None when `after` names no debt of the company."""
    criteria = _criteria(company_id, wanted)
    page_criteria = criteria
    position = None
    if after is not None:
        # Resolved within the caller's company: a foreign debt is simply unknown here.
        position = (
            await connection.execute(
                select(_DEBT.import_date, _DEBT.id).where(
                    _DEBT.public_id == ids.lookup_key(ids.DEBT, after),
                    _DEBT.company_id == company_id,
                )
            )
        ).first()
        if position is None:
            return None
        later = or_(
            _DEBT.import_date < position.import_date,
            and_(_DEBT.import_date == position.import_date, _DEBT.id < position.id),
        )
        page_criteria = [*criteria, later]
    # One more row than asked tells whether another page follows.
    rows = (await connection.execute(_page(page_criteria, limit=limit + 1))).all()
    has_before = False
    if position is not None:
        has_before = bool(
            await connection.scalar(select(exists().where(*criteria, not_(page_criteria[-1]))))
        )
    return DebtSlice([_stored(row) for row in rows[:limit]], len(rows) > limit, has_before)


# --- Changes after intake: read with the key, then a write that checks the version ----------


@dataclass(frozen=True, slots=True)
class DebtRow:
    """A debt as read to change it: its database key beside what callers may see."""

    key: int
    stored: StoredDebt


_READ_FOR_CHANGE = select(
    _DEBT.id, *(DEBT_TABLE.c[key] for key in COLUMNS), _TIMELINE.c.public_id
).outerjoin(_TIMELINE, _TIMELINE.c.id == _DEBT.timeline_id)


async def find_debt_for_change(
    connection: AsyncConnection, *, company_id: int | None, public_id: str
) -> DebtRow | None:
    """The debt with that public id, of that company (None: any company, for operators),
    its row locked until the transaction ends where the database can (PostgreSQL): a
    concurrent change of the same debt waits, then reads what this one wrote."""
    statement = _READ_FOR_CHANGE.where(
        _DEBT.public_id == ids.lookup_key(ids.DEBT, public_id)
    ).with_for_update(of=DEBT_TABLE)
    if company_id is not None:
        statement = statement.where(_DEBT.company_id == company_id)
    row = (await connection.execute(statement)).first()
    if row is None:
        return None
    key, *rest = row
    return DebtRow(key, _stored(rest))


async def write_version(
    connection: AsyncConnection, *, key: int, version: int, record: DebtRecord
) -> bool:
    """Store `record` (at version `version` + 1) if the row is still at `version`, in the
    connection's transaction; False when another change got there first. The check and the
    write are one statement: two writers of one version cannot both succeed."""
    values = {column: getattr(record, column) for column in COLUMNS}
    values["version"] = version + 1
    result = await connection.execute(
        update(DEBT_TABLE).where(_DEBT.id == key, _DEBT.version == version).values(values)
    )
    return result.rowcount == 1


async def current_version(connection: AsyncConnection, *, key: int) -> int | None:
    version = await connection.scalar(select(_DEBT.version).where(_DEBT.id == key))
    return None if version is None else int(version)
