"""The client operations kept in the repo stay valid against schema.graphql."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_schema,
    get_named_type,
    parse,
    validate,
    visit,
)

OPERATIONS = Path(__file__).parent / "operations"
SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"
FRAGMENTS = OPERATIONS / "fragments.graphql"
OPERATION_FILES = sorted(p for p in OPERATIONS.glob("*.graphql") if p != FRAGMENTS)
# The root fields integrators' clients are generated for (the issue's list).
COVERED_ROOT_FIELDS = {
    "createDebt", "createDebts", "debt", "debts", "createTimeline", "timelines",
    "updateDebt", "changeDebtStatus", "eraseDebt",
}  # fmt: skip


def schema() -> GraphQLSchema:
    return build_schema(SCHEMA.read_text())


def document(path: Path) -> DocumentNode:
    return parse(path.read_text() + "\n" + FRAGMENTS.read_text())


@pytest.mark.parametrize("path", OPERATION_FILES, ids=lambda p: p.stem)
def test_operation_is_valid_against_the_schema(path: Path) -> None:
    errors = validate(schema(), document(path))
    # Unused fragments are fine: fragments.graphql serves every operation file.
    errors = [e for e in errors if "is never used" not in e.message]
    assert not errors, [e.message for e in errors]


def test_operations_cover_the_integrators_root_fields() -> None:
    used: set[str] = set()
    for path in OPERATION_FILES:
        for definition in parse(path.read_text()).definitions:
            if isinstance(definition, OperationDefinitionNode):
                selections = definition.selection_set.selections
                used |= {f.name.value for f in selections if isinstance(f, FieldNode)}
    assert used >= COVERED_ROOT_FIELDS


class _UnionCoverage(Visitor):
    """Records, for each union-typed field selected, the members it has fragments for."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.gaps: list[str] = []

    def enter_field(self, node: object, *_: object) -> None:
        union = get_named_type(self.type_info.get_type())
        selection_set = getattr(node, "selection_set", None)
        if not isinstance(union, GraphQLUnionType) or selection_set is None:
            return
        covered = {
            selection.type_condition.name.value
            for selection in selection_set.selections
            if isinstance(selection, InlineFragmentNode) and selection.type_condition
        }
        missing = {member.name for member in union.types} - covered
        if missing:
            self.gaps.append(f"{union.name}: no fragment on {sorted(missing)}")


@pytest.mark.parametrize("path", OPERATION_FILES, ids=lambda p: p.stem)
def test_every_union_member_is_selected(path: Path) -> None:
    type_info = TypeInfo(schema())
    coverage = _UnionCoverage(type_info)
    visit(document(path), TypeInfoVisitor(type_info, coverage))
    assert not coverage.gaps


def test_every_error_type_implements_the_error_interface() -> None:
    """So a client's `... on Error { message }` is a fallback for every failure, new ones too."""
    ours = schema()
    error = ours.type_map["Error"]
    union_members = {
        member
        for type_ in ours.type_map.values()
        if isinstance(type_, GraphQLUnionType)
        for member in type_.types
    }
    error_types = {
        type_
        for type_ in ours.type_map.values()
        if isinstance(type_, GraphQLObjectType) and type_.name.endswith("Error")
    }
    # FieldError is a part of ValidationError, not a result of its own.
    results = {t for t in union_members | error_types if t.name != "FieldError"}
    failures = [t.name for t in results if t.name.endswith("Error") and error not in t.interfaces]
    assert {"ValidationError", "ExpensiveDestinationError"} <= {t.name for t in results}
    assert not failures
