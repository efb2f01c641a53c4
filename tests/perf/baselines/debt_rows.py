"""The debt row both baselines insert into the service's own table, built with no checks.

Each baseline server reads its settings from the environment that tests/perf/bench_service.py
gives it: BENCH_DSN (asyncpg DSN), BENCH_COMPANY_ID (the company's integer key) and
BENCH_POOL_MAX (connections per worker, the service's pool plus overflow by default) and
BENCH_APP_NAME (the connections' application_name, by which the benchmark counts them).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

INSERT_COLUMNS = (
    "public_id", "company_id", "status", "civility", "firstname", "lastname", "phone", "email",
    "amount", "currency", "invoice_date", "due_date", "internal_id", "city", "country", "iban",
    "nb_reminders", "nb_answered", "followups_count", "import_date",
)  # fmt: skip
INSERT_SQL = (
    f"INSERT INTO debt ({', '.join(INSERT_COLUMNS)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(INSERT_COLUMNS) + 1))})"
)
# Idle connections close soon, so that three servers kept up side by side do not hold three
# pools of PostgreSQL's connections: before each load the benchmark waits until the other
# baselines hold none, then warms the server it loads.
IDLE_SECONDS = 2.0


@dataclass(frozen=True)
class BaselineSettings:
    dsn: str
    company_id: int
    pool_max: int
    application_name: str

    @classmethod
    def from_environment(cls) -> BaselineSettings:
        return cls(
            dsn=os.environ["BENCH_DSN"],
            company_id=int(os.environ["BENCH_COMPANY_ID"]),
            pool_max=int(os.environ.get("BENCH_POOL_MAX", "30")),
            application_name=os.environ.get("BENCH_APP_NAME", "bench-baseline"),
        )

    async def create_pool(self) -> Any:
        return await asyncpg.create_pool(
            self.dsn,
            min_size=0,  # asyncpg keeps min_size connections open however idle
            max_size=self.pool_max,
            max_inactive_connection_lifetime=IDLE_SECONDS,
            server_settings={"application_name": self.application_name},
        )


def debt_row(
    company_id: int,
    *,
    firstname: str,
    lastname: str,
    amount: Decimal,
    currency: str,
    civility: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    invoice_date: date | None = None,
    due_date: date | None = None,
    internal_id: str | None = None,
    city: str | None = None,
    country: str | None = None,
    iban: str | None = None,
) -> tuple[Any, ...]:
    """The values of INSERT_COLUMNS for one debt, as given, with the service's defaults."""
    return (
        "debt_" + secrets.token_urlsafe(16), company_id, "PENDING", civility, firstname,
        lastname, phone, email, amount, currency, invoice_date, due_date, internal_id, city,
        country, iban, 0, 0, 0, datetime.now(UTC),
    )  # fmt: skip


def row_from_json(company_id: int, data: dict[str, Any]) -> tuple[Any, ...]:
    """debt_row from createDebt's JSON input variable (camelCase keys, text values)."""

    def day(key: str) -> date | None:
        return date.fromisoformat(data[key]) if data.get(key) else None

    return debt_row(
        company_id,
        firstname=data["firstname"],
        lastname=data["lastname"],
        amount=Decimal(data["amount"]),
        currency=data["currency"],
        civility=data.get("civility"),
        phone=data.get("phone"),
        email=data.get("email"),
        invoice_date=day("invoiceDate"),
        due_date=day("dueDate"),
        internal_id=data.get("internalId"),
        city=data.get("city"),
        country=data.get("country"),
        iban=data.get("iban"),
    )


def amount_text(amount: Decimal, currency: str) -> str:
    return f"{amount} {currency}"
