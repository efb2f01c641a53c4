"""The README's "For integrators" section names every error code the API can return."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.errors import ValidationCode
from app.graphql.errors import ErrorCode

README = Path(__file__).resolve().parents[1] / "README.md"


def integrators_section() -> str:
    text = README.read_text()
    start = text.index("## For integrators")
    end = text.index("\n## ", start + 1)
    return text[start:end]


@pytest.mark.parametrize("code", [c.value for c in ErrorCode] + [c.name for c in ValidationCode])
def test_every_error_code_is_in_the_readme_table(code: str) -> None:
    assert f"| `{code}` |" in integrators_section(), f"document {code} in README.md"
