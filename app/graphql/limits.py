"""Request limits on GraphQL documents (SPEC section 10): tokens, depth, aliases, operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
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
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    ValidationRule,
    parse,
)
from graphql.language import Lexer, TokenKind
from graphql.validation import NoSchemaIntrospectionCustomRule, specified_rules

from app.config import Settings
from app.graphql.errors import ErrorCode

# Parsed documents are cached by text: integrators send the same few documents all day.
_PARSED_DOCUMENTS = 256


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


def _refused(code: ErrorCode, message: str, **where: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value}, **where)


def count_tokens(query: str, limit: int) -> int:
    """Lexical tokens of the document, comments included, counted up to limit + 1.

    Counting comments too bounds the parser's work by the limit alone; the tokens are not
    linked together, so counting a document that is too big costs no memory.
    """
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


@lru_cache(maxsize=_PARSED_DOCUMENTS)
def parse_document(query: str, max_tokens: int) -> DocumentNode:
    """The parsed document; a GraphQLError with a code when it is too long or malformed."""
    if count_tokens(query, max_tokens) > max_tokens:
        raise _refused(
            ErrorCode.TOO_MANY_TOKENS,
            f"The document has more than {max_tokens} tokens",
        )
    try:
        return parse(query)
    except GraphQLSyntaxError as error:
        raise _refused(
            ErrorCode.GRAPHQL_PARSE_FAILED,
            error.message,
            source=error.source,
            positions=error.positions,
        ) from None


class SameDocument:
    """A document as a cache key, by identity.

    graphql-core's AST nodes are frozen dataclasses: hashing a document walks the whole tree,
    every time. parse_document hands out the same object for the same text, so what is
    derived from a document (its validation, its plan) is cached by the object instead. The
    key holds the document: its id cannot be reused while the key is cached.
    """

    __slots__ = ("document",)

    def __init__(self, document: DocumentNode) -> None:
        self.document = document

    def __hash__(self) -> int:
        return id(self.document)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SameDocument) and other.document is self.document


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
def validation_rules(limits: DocumentLimits) -> tuple[type[ASTValidationRule], ...]:
    """graphql-core's rules and the limit rules; the same classes each time, so the cache hits."""
    return (*specified_rules, *limit_rules(limits))


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
