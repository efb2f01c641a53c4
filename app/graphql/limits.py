"""Request limits on GraphQL documents (SPEC section 10): tokens, depth, aliases, operations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    TypeNode,
    ValidationRule,
    VariableDefinitionNode,
)
from graphql.language import Lexer, TokenKind
from graphql.validation import NoSchemaIntrospectionCustomRule

from app.config import Settings
from app.graphql.errors import ErrorCode


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    max_tokens: int
    max_depth: int
    max_aliases: int
    max_operations: int
    introspection: bool

    @classmethod
    def of(cls, settings: Settings) -> DocumentLimits:
        return cls(
            max_tokens=settings.max_query_tokens,
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_operations=settings.max_operations,
            introspection=settings.introspection_enabled,
        )

    @classmethod
    def default(cls) -> DocumentLimits:
        """The limits of the default settings, whatever the environment says."""
        fields = Settings.model_fields
        return cls(
            max_tokens=fields["max_query_tokens"].default,
            max_depth=fields["max_query_depth"].default,
            max_aliases=fields["max_aliases"].default,
            max_operations=fields["max_operations"].default,
            introspection=True,
        )


def _refused(code: ErrorCode, message: str, **where: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value}, **where)


def count_tokens(query: str, limit: int) -> int:
    """Lexical tokens of the document, comments included as the parser's token limit counts
    them, up to limit + 1: counting a document that is too big costs no memory."""
    lexer = Lexer(Source(query))
    token = lexer.token
    count = 0
    try:
        while count <= limit:
            token = lexer.read_next_token(token.end)
            if token.kind == TokenKind.EOF:
                break
            count += 1
    except GraphQLSyntaxError:
        pass  # the parser reports it, with its location
    return count


@dataclass(slots=True)
class _Shape:
    """What one operation or fragment contributes, before its fragment spreads are expanded."""

    depth: int = 0
    aliases: int = 0
    spreads: list[tuple[str, int]] = field(default_factory=list)  # (fragment, depth there)


def _shape(selection_set: SelectionSetNode) -> _Shape:
    # Iterative, as documents may nest deeper than Python's recursion limit allows.
    shape = _Shape()
    pending: list[tuple[SelectionSetNode, int]] = [(selection_set, 0)]
    while pending:
        current, depth = pending.pop()
        for selection in current.selections:
            if isinstance(selection, FieldNode):
                shape.depth = max(shape.depth, depth + 1)
                if selection.alias is not None:
                    shape.aliases += 1
                if selection.selection_set is not None:
                    pending.append((selection.selection_set, depth + 1))
            elif isinstance(selection, InlineFragmentNode):
                pending.append((selection.selection_set, depth))
            elif isinstance(selection, FragmentSpreadNode):
                shape.spreads.append((selection.name.value, depth))
    return shape


@dataclass(frozen=True, slots=True)
class _Expanded:
    depth: int
    aliases: int


def _expand_fragments(shapes: dict[str, _Shape], cap: int) -> dict[str, _Expanded]:
    """Depth and aliases of each fragment with its spreads expanded, each spread counted.

    Post-order over the spread graph, iteratively; a spread that closes a cycle or names no
    fragment counts as empty (other rules report those). Counts stop at `cap` so a fragment
    spread in a fan-out cannot build huge numbers.
    """
    expanded: dict[str, _Expanded] = {}
    for root in shapes:
        on_path: set[str] = set()
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            name, children_done = stack.pop()
            if name in expanded or name not in shapes:
                continue
            shape = shapes[name]
            if not children_done:
                if name in on_path:
                    continue
                on_path.add(name)
                stack.append((name, True))
                stack.extend((spread, False) for spread, _ in shape.spreads)
                continue
            on_path.discard(name)
            whole = _with_spreads(shape, expanded)
            expanded[name] = _Expanded(min(whole.depth, cap), min(whole.aliases, cap))
    return expanded


def _with_spreads(shape: _Shape, expanded: dict[str, _Expanded]) -> _Expanded:
    """The shape with the fragments it spreads counted in (those not expanded count empty)."""
    depth, aliases = shape.depth, shape.aliases
    for spread, offset in shape.spreads:
        inner = expanded.get(spread)
        if inner is not None:
            depth = max(depth, offset + inner.depth)
            aliases += inner.aliases
    return _Expanded(depth, aliases)


def _operation_measures(
    document: DocumentNode, cap: int
) -> list[tuple[OperationDefinitionNode, _Expanded]]:
    fragments = {
        definition.name.value: _shape(definition.selection_set)
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    expanded = _expand_fragments(fragments, cap)
    measures = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        measures.append((definition, _with_spreads(_shape(definition.selection_set), expanded)))
    return measures


@cache
def limit_rules(limits: DocumentLimits) -> tuple[type[ASTValidationRule], ...]:
    """Validation rules for these limits."""

    class DocumentShapeRule(ValidationRule):
        """Depth counts every field, `__schema`, `__type` and `ofType` included."""

        def enter_document(self, node: DocumentNode, *_args: object) -> None:
            operations = [d for d in node.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > limits.max_operations:
                self.report_error(
                    _refused(
                        ErrorCode.TOO_MANY_OPERATIONS,
                        f"Send one operation per request; this document has {len(operations)}"
                        if limits.max_operations == 1
                        else f"A document may hold at most {limits.max_operations} operations",
                        nodes=operations,
                    )
                )
            cap = max(limits.max_depth, limits.max_aliases) + 1
            for operation, measure in _operation_measures(node, cap):
                if measure.depth > limits.max_depth:
                    self.report_error(
                        _refused(
                            ErrorCode.QUERY_TOO_DEEP,
                            f"The operation nests fields more than {limits.max_depth} deep",
                            nodes=operation,
                        )
                    )
                if measure.aliases > limits.max_aliases:
                    self.report_error(
                        _refused(
                            ErrorCode.TOO_MANY_ALIASES,
                            f"The operation uses more than {limits.max_aliases} aliases",
                            nodes=operation,
                        )
                    )

    rules: list[type[ASTValidationRule]] = [DocumentShapeRule]
    if not limits.introspection:
        rules.append(_NoIntrospection)
    return tuple(rules)


class _NoIntrospection(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule (`__typename` stays allowed), with our error code."""

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(
            _refused(ErrorCode.INTROSPECTION_DISABLED, error.message, nodes=error.nodes)
        )


# A type as introspection writes it: ("NON_NULL", inner), ("LIST", inner) or ("NAMED", name).
TypeRef = tuple[str, Any]


@dataclass(frozen=True, slots=True)
class InputShapes:
    """The input object types of a schema, by name: each field's type, for walking variables.

    graphql-core coerces a variable value item by item and builds a located error for every
    bad item or unknown field before any error limit applies: a list of 100,000 `{}` costs
    seconds of CPU. Walking the raw value first, without coercing anything, bounds that work.
    """

    fields: dict[str, dict[str, TypeRef]]

    @classmethod
    def of(cls, introspection: Mapping[str, Any]) -> InputShapes:
        return cls(
            {
                kind["name"]: {
                    field["name"]: _type_ref(field["type"]) for field in kind["inputFields"]
                }
                for kind in introspection["__schema"]["types"]
                if kind["kind"] == "INPUT_OBJECT"
            }
        )

    def refusal(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        max_items: int,
    ) -> GraphQLError | None:
        """Why these variables are refused before coercion: a list longer than `max_items`, or
        more than MAX_UNKNOWN_FIELDS fields their input types do not have (fewer are left to
        graphql-core, which names each); None when neither."""
        if not variables:
            return None
        walk = _Walk(self.fields, max_items)
        for definition in _variable_definitions(document, operation_name):
            name = definition.variable.name.value
            if name in variables:
                problem = walk.problem(variables[name], _ast_type_ref(definition.type))
                if problem is not None:
                    return _refused(ErrorCode.VARIABLES_TOO_LARGE, f"Variable '${name}': {problem}")
        return None


# graphql-core reports each unknown field with its own error: a few are worth naming, not
# thousands.
MAX_UNKNOWN_FIELDS = 50


@dataclass(slots=True)
class _Walk:
    fields: dict[str, dict[str, TypeRef]]
    max_items: int
    unknown: int = 0

    def problem(self, value: Any, type_ref: TypeRef) -> str | None:
        # Iterative: a value may nest deeper than Python's recursion limit allows.
        pending = [(value, type_ref)]
        while pending:
            value, (kind, inner) = pending.pop()
            if kind == "NON_NULL":
                pending.append((value, inner))
            elif kind == "LIST":
                if not isinstance(value, list):
                    pending.append((value, inner))  # a single value stands for a list of one
                elif len(value) > self.max_items:
                    return f"a list of {len(value)} items, more than {self.max_items}"
                else:
                    pending.extend((item, inner) for item in value)
            elif isinstance(value, dict) and (fields := self.fields.get(inner)) is not None:
                for key, item in value.items():
                    field = fields.get(key)
                    if field is not None:
                        pending.append((item, field))
                        continue
                    self.unknown += 1
                    if self.unknown > MAX_UNKNOWN_FIELDS:
                        return (
                            f"more than {MAX_UNKNOWN_FIELDS} fields not defined by their input "
                            f"types, such as '{key}' on '{inner}'"
                        )
        return None


def _variable_definitions(
    document: DocumentNode, operation_name: str | None
) -> tuple[VariableDefinitionNode, ...]:
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        name = operation.name.value if operation.name else None
        if operation_name is None or name == operation_name:
            return operation.variable_definitions or ()
    return ()


def _type_ref(introspected: dict[str, Any]) -> TypeRef:
    kind = introspected["kind"]
    if kind in ("NON_NULL", "LIST"):
        return (kind, _type_ref(introspected["ofType"]))
    return ("NAMED", introspected["name"])


def _ast_type_ref(node: TypeNode) -> TypeRef:
    if isinstance(node, NonNullTypeNode):
        return ("NON_NULL", _ast_type_ref(node.type))
    if isinstance(node, ListTypeNode):
        return ("LIST", _ast_type_ref(node.type))
    assert isinstance(node, NamedTypeNode)
    return ("NAMED", node.name.value)
