"""The operator commands, run as an operator runs them: a process, a database, JSON out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def debt_api(database: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "CLIENT_SECRET_HASH_MEMORY_KIB": "8",
        "CLIENT_SECRET_HASH_TIME_COST": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    output: dict[str, Any] = json.loads(result.stdout)
    return output


def test_create_company_client_and_timeline(tmp_path: Path) -> None:
    database = tmp_path / "cli.db"
    company = ok(
        debt_api(
            database,
            "create-company",
            "--name",
            "ACME",
            "--timezone",
            "Indian/Reunion",
            "--country",
            "RE",
        )
    )
    assert company["company_id"].startswith("co_")
    assert (company["timezone"], company["country"]) == ("Indian/Reunion", "RE")

    client = ok(
        debt_api(
            database,
            "create-client",
            "--company",
            company["company_id"],
            "--scopes",
            "debts:read debts:write",
        )
    )
    assert client["client_id"].startswith("cl_")
    assert len(client["client_secret"]) >= 32
    assert client["scopes"] == "debts:read debts:write"

    timeline = ok(
        debt_api(
            database, "create-timeline", "--company", company["company_id"], "--name", "Default"
        )
    )
    assert timeline["timeline_id"].startswith("tl_")


def test_migrate_alone(tmp_path: Path) -> None:
    assert ok(debt_api(tmp_path / "m.db", "migrate")) == {"migrated": True}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create-company", "--name", "A", "--timezone", "Mars/Olympus"], "unknown time zone"),
        (["create-company", "--name", "A", "--country", "ZZ"], "country"),
        (["create-company", "--name", "   "], "required"),
        (["create-client", "--company", "co_nobody"], "no company"),
        (["create-client", "--company", "co_x", "--scopes", "debts:admin"], "unknown scopes"),
        (["create-timeline", "--company", "co_nobody", "--name", "T"], "no company"),
    ],
)
def test_bad_arguments_exit_non_zero_with_a_clear_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = debt_api(tmp_path / "bad.db", *args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert message in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = debt_api(tmp_path / "u.db", "create-company")
    assert result.returncode == 2
    assert "--name" in result.stderr


def test_production_refuses_the_development_secret(tmp_path: Path) -> None:
    result = debt_api(tmp_path / "p.db", "serve", "--port", "0", APP_ENV="production")
    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret(tmp_path: Path) -> None:
    result = debt_api(
        tmp_path / "p.db", "serve", "--port", "0", APP_ENV="production", SECRET_KEY="tooshort"
    )
    assert result.returncode == 1
    assert "SECRET_KEY is 8 bytes; it must be at least 32" in result.stderr
    assert "tooshort" not in result.stderr  # the key itself is never shown
