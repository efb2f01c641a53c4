"""`debt-api set-debt-status`: the workflow's stand-in, run as a process on both databases."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

from app.config import Settings
from tests.utils.api import VALID_DEBT, Api
from tests.utils.changes import change_status, events


async def debt_api(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": settings.database_url}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


async def test_set_debt_status_sets_any_status_as_operator(api: Api, settings: Settings) -> None:
    debt = await api.create_debt(VALID_DEBT)
    result = await debt_api(
        settings, "set-debt-status", "--debt", debt["id"], "--status", "IN_PROGRESS"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"id": debt["id"], "status": "IN_PROGRESS", "version": 2}
    [latest, _] = await events(api, debt["id"])
    assert (latest["type"], latest["actor"]) == ("STATUS_CHANGED", "operator")
    assert latest["changes"] == [{"field": "status", "from": "PENDING", "to": "IN_PROGRESS"}]

    # The hold the creditor then puts on remembers IN_PROGRESS, set by the operator.
    assert (await change_status(api, debt["id"], "ON_HOLD"))["status"] == "ON_HOLD"
    assert (await change_status(api, debt["id"], "PENDING"))["allowed"][0] == "IN_PROGRESS"

    # Statuses the creditor can never leave, the operator can.
    await change_status(api, debt["id"], "PAID")
    result = await debt_api(settings, "set-debt-status", "--debt", debt["id"], "--status", "FAILED")
    assert json.loads(result.stdout)["status"] == "FAILED"


async def test_set_debt_status_refuses_an_unknown_debt(settings: Settings) -> None:
    result = await debt_api(settings, "set-debt-status", "--debt", "debt_nope", "--status", "PAID")
    assert result.returncode == 1
    assert 'no debt with id "debt_nope"' in result.stderr
    assert result.stdout == ""
