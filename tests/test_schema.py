"""The committed schema.graphql is the code's, covers the contract, and documents itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
)

from app.graphql.schema import schema

ROOT = Path(__file__).resolve().parents[1]
SHARED_CONTRACT = ROOT.parent / "shared" / "contract" / "schema.graphql"
VENDORED_CONTRACT = Path(__file__).parent / "contract" / "contract.graphql"
# The second part (SPEC sections 11 and 12), which extends the first.
SHARED_AFTER_INTAKE = ROOT.parent / "shared" / "contract" / "after-intake.graphql"
VENDORED_AFTER_INTAKE = Path(__file__).parent / "contract" / "after-intake.graphql"
EXPORT_COMMAND = "strawberry export-schema app.graphql.schema:schema --output schema.graphql"


def contract() -> GraphQLSchema:
    """Both parts of the contract, read together as one schema."""
    first = SHARED_CONTRACT if SHARED_CONTRACT.exists() else VENDORED_CONTRACT
    second = SHARED_AFTER_INTAKE if SHARED_AFTER_INTAKE.exists() else VENDORED_AFTER_INTAKE
    return build_schema(first.read_text() + "\n" + second.read_text())


def ours() -> GraphQLSchema:
    return build_schema((ROOT / "schema.graphql").read_text())


def test_committed_schema_is_the_exported_one() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed.strip() == schema.as_str().strip(), (
        f"schema.graphql drifted: run {EXPORT_COMMAND}"
    )


def test_vendored_contract_copy_is_current() -> None:
    if not SHARED_CONTRACT.exists():
        pytest.skip("shared/contract is not beside this checkout; the vendored copy is used")
    assert VENDORED_CONTRACT.read_text() == SHARED_CONTRACT.read_text()
    assert VENDORED_AFTER_INTAKE.read_text() == SHARED_AFTER_INTAKE.read_text()


def test_the_second_part_of_the_contract_is_read() -> None:
    types = contract().type_map
    assert "UpdateDebtInput" in types and "INVALID_VALUE" in types["ValidationCode"].values  # type: ignore[attr-defined]
    assert "updateDebt" in contract().mutation_type.fields  # type: ignore[union-attr]


def _fields(type_: object) -> dict[str, object]:
    return dict(getattr(type_, "fields", {}))


@pytest.mark.parametrize(
    "name",
    sorted(n for n in contract().type_map if not n.startswith("__")),
)
def test_schema_contains_the_contract_type(name: str) -> None:
    expected, actual = contract().type_map[name], ours().type_map.get(name)
    assert actual is not None, f"{name} is missing"
    assert type(actual) is type(expected), f"{name} is a {type(actual).__name__}"
    if isinstance(expected, GraphQLEnumType):
        assert isinstance(actual, GraphQLEnumType)
        assert set(expected.values) <= set(actual.values), name
    if isinstance(expected, GraphQLUnionType):
        assert isinstance(actual, GraphQLUnionType)
        assert {t.name for t in expected.types} == {t.name for t in actual.types}, name
    if isinstance(expected, GraphQLObjectType | GraphQLInterfaceType):
        assert isinstance(actual, GraphQLObjectType | GraphQLInterfaceType)
        for field_name, field in expected.fields.items():
            mine = actual.fields.get(field_name)
            assert mine is not None, f"{name}.{field_name} is missing"
            assert str(mine.type) == str(field.type), f"{name}.{field_name}: {mine.type}"
            for arg_name, arg in field.args.items():
                assert arg_name in mine.args, f"{name}.{field_name}({arg_name}) is missing"
                assert str(mine.args[arg_name].type) == str(arg.type), (
                    f"{name}.{field_name}({arg_name})"
                )
            extra_required = [
                a
                for a, arg in mine.args.items()
                if a not in field.args and str(arg.type).endswith("!") and arg.default_value is None
            ]
            assert not extra_required, (
                f"{name}.{field_name} requires new arguments {extra_required}"
            )
    if isinstance(expected, GraphQLInputObjectType):
        assert isinstance(actual, GraphQLInputObjectType)
        for field_name, field in expected.fields.items():
            mine = actual.fields.get(field_name)
            assert mine is not None, f"{name}.{field_name} is missing"
            assert str(mine.type) == str(field.type), f"{name}.{field_name}: {mine.type}"
            assert mine.default_value == field.default_value, f"{name}.{field_name} default"


def test_every_type_field_and_argument_is_described() -> None:
    undocumented = []
    for name, type_ in ours().type_map.items():
        if name.startswith("__") or name in {"String", "Boolean", "Int", "Float", "ID"}:
            continue
        if not type_.description:
            undocumented.append(name)
        for field_name, field in _fields(type_).items():
            if not getattr(field, "description", None):
                undocumented.append(f"{name}.{field_name}")
            for arg_name, arg in getattr(field, "args", {}).items():
                if not arg.description:
                    undocumented.append(f"{name}.{field_name}({arg_name})")
        if isinstance(type_, GraphQLEnumType):
            undocumented += [
                f"{name}.{v}" for v, value in type_.values.items() if not value.description
            ]
    assert not undocumented, undocumented
