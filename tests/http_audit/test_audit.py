"""graphql-http's audit suite (the GraphQL over HTTP spec's MUST and SHOULD, from the npm
registry) against a live server: every audit ok, no warning, no error."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET
from tests.utils.live import LiveServer, live_server

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def audit_tools() -> Path:
    """graphql-http, installed beside the audit script at the versions package.json pins."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("GraphQL over HTTP audit skipped: Node.js and npm are not installed")
    if not (HERE / "node_modules" / "graphql-http").is_dir():
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent"],
            cwd=HERE,
            check=True,
            timeout=300,
        )
    return Path(node)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    database = tmp_path_factory.mktemp("audit") / "audit.db"
    with live_server(f"sqlite+aiosqlite:///{database}", TEST_SECRET) as running:
        yield running


def test_graphql_over_http_audits_all_pass(audit_tools: Path, server: LiveServer) -> None:
    finished = subprocess.run(
        [str(audit_tools), str(HERE / "audit.mjs"), f"{server.url}/graphql"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results = [json.loads(line) for line in finished.stdout.splitlines()]
    assert len(results) > 50, finished.stdout  # the suite ran (61 audits in 1.23.1)
    failing = [
        f"{r['status']}: {r['name']} ({r['reason']})" for r in results if r["status"] != "ok"
    ]
    assert failing == []
