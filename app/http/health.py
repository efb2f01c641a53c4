"""GET /health: liveness, and whether the database answers."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.runtime import Runtime


async def health_endpoint(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    try:
        async with asyncio.timeout(runtime.settings.db_connect_timeout_seconds):
            async with runtime.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to answer means "unreachable" here
        return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
