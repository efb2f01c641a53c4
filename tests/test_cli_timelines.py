"""`debt-api create-timeline` run as operators run it: a process on a SQLite DATABASE_URL."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.config import Settings
from app.http.app import create_app
from app.runtime import Runtime
from tests.conftest import TEST_SECRET
from tests.utils.api import Api, fetch_token
from tests.utils.factories import make_client
from tests.utils.timelines import list_timelines


@dataclass(frozen=True)
class Run:
    status: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        assert self.status == 0, self.stderr
        output: dict[str, Any] = json.loads(self.stdout)
        return output


async def debt_api(database_url: str, cwd: Path, *args: str) -> Run:
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("PRICE_TABLE_PATH", "APP_ENV")},
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", *args,
        cwd=cwd, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return Run(process.returncode, stdout.decode(), stderr.decode())


async def test_create_timeline_defaults_options_and_refusals(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    company = (await debt_api(url, tmp_path, "create-company", "--name", "ACME")).json()
    company_id = company["company_id"]

    def create(*args: str) -> Any:
        return debt_api(url, tmp_path, "create-timeline", *args)

    plain, custom, bad, all_days, nobody, unnamed = await asyncio.gather(
        create("--company", company_id, "--name", "Standard"),
        create(
            "--company", company_id, "--name", "Moselle weekdays", "--excluded-days", "sat,sun",
            "--holidays", "FR-57", "--start-time", "08:15", "--inactive",
        ),
        create(
            "--company", company_id, "--name", "Bad", "--excluded-days", "funday",
            "--holidays", "FR-99", "--start-time", "9h",
        ),
        create("--company", company_id, "--name", "Never", "--excluded-days",
               "mon,tue,wed,thu,fri,sat,sun"),
        create("--company", "co_nobody", "--name", "Orphan"),
        create("--company", company_id),
    )  # fmt: skip

    assert plain.json() == {
        "timeline_id": plain.json()["timeline_id"],
        "company_id": company_id,
        "name": "Standard",
    }
    assert plain.json()["timeline_id"].startswith("tl_")
    assert custom.json()["name"] == "Moselle weekdays"

    assert (bad.status, bad.stdout) == (1, "")
    for complaint in [
        "excludedWeekdays: weekdays are mon, tue, wed, thu, fri, sat, sun",
        'holidaySubdivision: holiday calendar FR has no subdivision "99"',
        "startTime: must be a time of day written HH:MM",
    ]:
        assert complaint in bad.stderr, bad.stderr
    assert (all_days.status, all_days.stdout) == (1, "")
    assert "excludedWeekdays: a timeline must leave at least one weekday" in all_days.stderr
    assert (nobody.status, nobody.stdout) == (1, "")
    assert 'no company with id "co_nobody"' in nobody.stderr
    assert (unnamed.status, unnamed.stdout) == (2, "")
    assert "the following arguments are required: --name" in unnamed.stderr

    # What the commands stored, read through the API as an integrator would (the two
    # commands ran concurrently, so their order is not known).
    listed = sorted(
        await timelines_of(url, company_id), key=lambda t: str(t["name"])
    )  # Moselle..., Standard
    assert [
        {k: v for k, v in timeline.items() if k not in ("id", "createdAt")} for timeline in listed
    ] == [
        {
            "name": "Moselle weekdays",
            "excludedWeekdays": ["SAT", "SUN"],
            "holidayCalendar": {"country": "FR", "subdivision": "57"},
            "startTime": "08:15",
            "active": False,
        },
        {
            "name": "Standard",
            "excludedWeekdays": [],
            "holidayCalendar": {"country": "FR", "subdivision": None},
            "startTime": "09:00",
            "active": True,
        },
    ]
    assert [t["id"] for t in listed] == [custom.json()["timeline_id"], plain.json()["timeline_id"]]


async def timelines_of(database_url: str, company_id: str) -> list[dict[str, Any]]:
    application = create_app(Settings(database_url=database_url, secret_key=TEST_SECRET))
    async with application.router.lifespan_context(application):
        runtime: Runtime = application.state.runtime
        client = await make_client(runtime, company_id, ("timelines:read",))
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            token = await fetch_token(http, client.client_id, client.client_secret)
            return await list_timelines(Api(http, runtime, company_id, token))
