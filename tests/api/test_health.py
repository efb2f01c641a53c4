"""GET /health reports liveness and database reachability."""

from __future__ import annotations

import httpx


async def test_health_reports_a_reachable_database(http: httpx.AsyncClient) -> None:
    response = await http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
