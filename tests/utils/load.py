"""A bounded createDebt load, run in a process of its own so that it leaves the server's
interpreter alone: `python -m tests.utils.load URL TOKEN REQUESTS CONCURRENCY`.

Prints one JSON object: every GraphQL answer body, in request order.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.utils.api import CREATE_DEBT, VALID_DEBT

ROOT = Path(__file__).parents[2]


async def create_debts(url: str, token: str, requests: int, concurrency: int) -> list[Any]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        gate = asyncio.Semaphore(concurrency)

        async def one(index: int) -> Any:
            debt = {**VALID_DEBT, "internalId": f"load-{index}"}
            async with gate:
                response = await http.post(
                    "/graphql", json={"query": CREATE_DEBT, "variables": {"input": debt}},
                    headers=headers,
                )  # fmt: skip
            return response.json() if response.status_code == 200 else response.text

        return list(await asyncio.gather(*(one(i) for i in range(requests))))


async def run_load(url: str, token: str, *, requests: int, concurrency: int) -> list[Any]:
    """The load from a child process; its answers once it is done."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.utils.load", url, token, str(requests), str(concurrency),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    answers: list[Any] = json.loads(stdout)
    return answers


if __name__ == "__main__":
    url, token, requests, concurrency = sys.argv[1:5]
    print(json.dumps(asyncio.run(create_debts(url, token, int(requests), int(concurrency)))))
