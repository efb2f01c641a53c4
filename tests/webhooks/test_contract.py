"""schema.graphql holds the webhook part of the contract (after-intake.graphql) exactly:
the same names, types and nullability."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
)

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = build_schema((ROOT / "tests" / "contract" / "webhooks.graphql").read_text())
STUBS = {"DateTime", "ValidationError"}


def ours() -> GraphQLSchema:
    return build_schema((ROOT / "schema.graphql").read_text())


@pytest.mark.parametrize(
    "name", sorted(n for n in CONTRACT.type_map if not n.startswith("__") and n not in STUBS)
)
def test_schema_holds_the_webhook_contract_type(name: str) -> None:
    expected, actual = CONTRACT.type_map[name], ours().type_map.get(name)
    assert actual is not None, f"{name} is missing"
    if isinstance(expected, GraphQLEnumType):
        assert isinstance(actual, GraphQLEnumType)
        assert set(expected.values) <= set(actual.values), name
    if isinstance(expected, GraphQLUnionType):
        assert isinstance(actual, GraphQLUnionType)
        assert {t.name for t in expected.types} == {t.name for t in actual.types}, name
    if isinstance(expected, GraphQLObjectType):
        assert isinstance(actual, GraphQLObjectType)
        for field_name, field in expected.fields.items():
            mine = actual.fields.get(field_name)
            assert mine is not None, f"{name}.{field_name} is missing"
            assert str(mine.type) == str(field.type), f"{name}.{field_name}: {mine.type}"
            assert set(mine.args) == set(field.args), f"{name}.{field_name} arguments"
            for arg_name, arg in field.args.items():
                assert str(mine.args[arg_name].type) == str(arg.type), (
                    f"{name}.{field_name}({arg_name})"
                )
                assert mine.args[arg_name].default_value == arg.default_value or (
                    arg.default_value is None
                ), f"{name}.{field_name}({arg_name}) default"
