"""Baseline "raw": a Starlette endpoint that inserts the debt with asyncpg, nothing else.

No GraphQL and no validation: it reads the createDebt request's variables and answers the
shape a successful createDebt has, so the benchmark's checks apply to it unchanged.

    uvicorn tests.perf.baselines.raw_starlette:app --workers N   (env: see debt_rows.py)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.perf.baselines.debt_rows import (
    INSERT_SQL,
    BaselineSettings,
    amount_text,
    row_from_json,
)


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Any]]:
    settings = BaselineSettings.from_environment()
    pool = await settings.create_pool()
    try:
        yield {"pool": pool, "company_id": settings.company_id}
    finally:
        await pool.close()


async def create_debt(request: Request) -> Response:
    data = orjson.loads(await request.body())["variables"]["input"]
    row = row_from_json(request.state.company_id, data)
    async with request.state.pool.acquire() as connection:
        await connection.execute(INSERT_SQL, *row)
    debt = {
        "__typename": "Debt",
        "id": row[0],
        "status": "PENDING",
        "amountText": amount_text(row[8], row[9]),
    }
    return Response(orjson.dumps({"data": {"createDebt": debt}}), media_type="application/json")


app = Starlette(routes=[Route("/graphql", create_debt, methods=["POST"])], lifespan=lifespan)
