"""What production refuses to start with: the application itself checks, not only the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import InsecureSettings, Settings
from app.http.app import create_app


def _production(tmp_path: Path, secret_key: str) -> Settings:
    return Settings(
        app_env="production",
        secret_key=secret_key,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
    )


@pytest.mark.parametrize("secret_key", ["secret", "x" * 31, "é" * 15 + "x"])
def test_a_secret_key_under_32_bytes_is_refused(tmp_path: Path, secret_key: str) -> None:
    with pytest.raises(InsecureSettings, match="must be at least 32"):
        create_app(_production(tmp_path, secret_key))


@pytest.mark.parametrize("secret_key", ["x" * 32, "é" * 16])
def test_a_secret_key_of_32_bytes_starts(tmp_path: Path, secret_key: str) -> None:
    create_app(_production(tmp_path, secret_key))
