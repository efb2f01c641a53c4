"""GraphiQL's bundles, installed once per test session as `debt-api fetch-graphiql` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.graphql.graphiql import DEFAULT_ASSETS_DIR, ensure_assets


@pytest.fixture(scope="session")
def graphiql_assets() -> Path:
    problem = ensure_assets(DEFAULT_ASSETS_DIR)
    if problem:  # only without the npm registry: .ci/run installs them before the tests
        pytest.skip(problem)
    return DEFAULT_ASSETS_DIR
