"""Baseline "plain Strawberry": a minimal schema whose createDebt does the same INSERT.

What a Strawberry user would write first, with the two caches Strawberry documents for
speed (`ParserCache`, `ValidationCache`, passed as factories) and no validation of the
debt. Served by `strawberry.asgi.GraphQL` as it comes; the asyncpg pool is made in the
ASGI lifespan and reaches resolvers through the lifespan state (`request.state`).

    uvicorn tests.perf.baselines.plain_strawberry:app --workers N --lifespan on
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

from tests.perf.baselines.debt_rows import INSERT_SQL, BaselineSettings, amount_text, debt_row

# uvicorn configures only its own loggers: without this, Strawberry's error reports would
# reach stderr without their level, and the benchmark counts ERROR lines.
logging.basicConfig(format="%(levelname)s:%(name)s: %(message)s", level=logging.WARNING)


@strawberry.input
class CreateDebtInput:
    firstname: str
    lastname: str
    amount: Decimal
    currency: str
    civility: str | None = None
    phone: str | None = None
    email: str | None = None
    invoice_date: date | None = None
    due_date: date | None = None
    internal_id: str | None = None
    city: str | None = None
    country: str | None = None
    iban: str | None = None


@strawberry.type
class Debt:
    id: strawberry.ID
    status: str
    amount_text: str


@strawberry.type
class Query:
    @strawberry.field
    def ready(self) -> bool:
        return True


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_debt(self, info: strawberry.Info, input: CreateDebtInput) -> Debt:
        state = info.context["request"].state
        row = debt_row(
            state.company_id,
            firstname=input.firstname,
            lastname=input.lastname,
            amount=input.amount,
            currency=input.currency,
            civility=input.civility,
            phone=input.phone,
            email=input.email,
            invoice_date=input.invoice_date,
            due_date=input.due_date,
            internal_id=input.internal_id,
            city=input.city,
            country=input.country,
            iban=input.iban,
        )
        async with state.pool.acquire() as connection:
            await connection.execute(INSERT_SQL, *row)
        return Debt(
            id=strawberry.ID(row[0]),
            status="PENDING",
            amount_text=amount_text(input.amount, input.currency),
        )


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[lambda: ParserCache(maxsize=100), lambda: ValidationCache(maxsize=100)],
)
graphql_app: GraphQL[Any, Any] = GraphQL(schema)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """GraphQL for HTTP; the ASGI lifespan protocol (which GraphQL does not speak) here."""
    if scope["type"] != "lifespan":
        await graphql_app(scope, receive, send)
        return
    pool = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            settings = BaselineSettings.from_environment()
            pool = await settings.create_pool()
            scope["state"].update(pool=pool, company_id=settings.company_id)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if pool is not None:
                await pool.close()
            await send({"type": "lifespan.shutdown.complete"})
            return
