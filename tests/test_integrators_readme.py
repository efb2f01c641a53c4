"""The README's "For integrators" section: every error code, and Apollo's possibleTypes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from graphql import GraphQLInterfaceType, GraphQLUnionType, build_schema

from app.domain.errors import ValidationCode
from app.graphql.errors import ErrorCode

README = Path(__file__).resolve().parents[1] / "README.md"
SCHEMA = Path(__file__).resolve().parents[1] / "schema.graphql"


def integrators_section() -> str:
    text = README.read_text()
    start = text.index("## For integrators")
    end = text.index("\n## ", start + 1)
    return text[start:end]


@pytest.mark.parametrize("code", [c.value for c in ErrorCode] + [c.name for c in ValidationCode])
def test_every_error_code_is_in_the_readme_table(code: str) -> None:
    assert f"| `{code}` |" in integrators_section(), f"document {code} in README.md"


def test_apollo_possible_types_in_the_readme_match_the_schema() -> None:
    block = re.search(r"const possibleTypes = \{\n(.*?)\n\};", integrators_section(), re.S)
    assert block is not None, "the README shows Apollo's possibleTypes map"
    written = {
        name: json.loads(members)
        for name, members in re.findall(r"^\s*(\w+): (\[.*\]),$", block[1], re.M)
    }
    schema = build_schema(SCHEMA.read_text())
    expected: dict[str, list[str]] = {}
    for name, kind in schema.type_map.items():
        if isinstance(kind, GraphQLUnionType):
            expected[name] = sorted(member.name for member in kind.types)
        elif isinstance(kind, GraphQLInterfaceType) and not name.startswith("__"):
            expected[name] = sorted(o.name for o in schema.get_implementations(kind).objects)
    assert written == expected
