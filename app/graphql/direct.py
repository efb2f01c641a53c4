"""A direct path for the commonest operations: one root field whose answer is plain data.

graphql-core runs any operation, and for each createDebt it also builds an execution
context, collects fields, runs every resolver through its awaitable and abort machinery
and completes the answer field by field: 0.99 against 0.86 ms of CPU per createDebt
in-process, 246 against 233 ms per batch of 1,000. An operation of the common shape is
planned once per document: one root field and no directive; below it, fields that read an
attribute and take no arguments, and no response key selected twice but for leaves. Its
variables and the root field's arguments are coerced by graphql-core's own functions, its
root resolver is called as graphql-core calls it, and the plan completes the answer.

Whatever a plan does not expect (the resolver raising, a null where the type forbids it, a
value a scalar refuses, an object of a type the plan has not seen) goes back to graphql-core
with the root field's outcome replayed rather than run again, so such answers, errors and
all, are graphql-core's own. The test suite runs every planned answer both ways and
compares them (`verify_against_graphql_core`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from inspect import isawaitable
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    Undefined,
    get_argument_values,
    get_operation_ast,
    get_variable_values,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.pyutils import Path
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import _OperationContextAwareGraphQLResolveInfo

from app.graphql.limits import SameDocument

Complete = Callable[[Any], Any]
Execute = Callable[..., Any]

# The name Strawberry gives the resolver of a field that reads an attribute and nothing
# else (no resolver function, no permission, no extension): it ignores its info.
_ATTRIBUTE_RESOLVER = "_get_basic_result"
_PLANS = 256

_verify = False


def verify_against_graphql_core(enabled: bool) -> None:
    """Tests: complete every planned answer through graphql-core too, and compare."""
    global _verify
    _verify = enabled


class _Unplannable(Exception):
    """The document has a shape the direct path does not take: graphql-core runs it."""


class _Unexpected(Exception):
    """A value the plan does not complete: graphql-core completes the replayed outcome."""


@dataclass(frozen=True, slots=True)
class _Raised:
    """The root resolver's exception, replayed as it was raised."""

    error: Exception


@dataclass(frozen=True, slots=True)
class Plan:
    """One operation's root field and the completion of its answer."""

    operation: OperationDefinitionNode
    node: FieldNode
    field: GraphQLField
    root_type: GraphQLObjectType
    key: str
    fragments: dict[str, FragmentDefinitionNode]
    complete: Complete

    async def run(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        *,
        context: Any,
        root_value: Any,
        variables: dict[str, Any] | None,
        operation_extensions: dict[str, Any] | None,
        execute_in_full: Execute,
    ) -> ExecutionResult:
        """The operation's result, as graphql-core's `execute_in_full` would give it."""
        definitions = self.operation.variable_definitions or ()
        coerced = get_variable_values(schema, definitions, variables or {})
        if isinstance(coerced, list):  # refused variables: graphql-core words the errors
            return await _settled(execute_in_full())
        try:
            arguments = get_argument_values(self.field, self.node, coerced)
        except Exception:  # noqa: BLE001 - graphql-core locates and words the error
            return await _settled(execute_in_full())
        info = _OperationContextAwareGraphQLResolveInfo(
            self.node.name.value,
            [self.node],
            self.field.type,
            self.root_type,
            Path(None, self.key, self.root_type.name),
            schema,
            self.fragments,
            root_value,
            self.operation,
            coerced.coerced,  # as Strawberry's execution context passes them
            context,
            isawaitable,
            None,  # no abort signal: graphql-core is given none either
            _HELPERS,
            operation_extensions or {},
        )
        try:
            outcome = self.field.resolve(root_value, info, **arguments)  # type: ignore[misc]
            if isawaitable(outcome):
                outcome = await outcome
        except Exception as error:  # noqa: BLE001 - graphql-core locates and words the error
            return await _settled(execute_in_full(middleware=[_replay(_Raised(error))]))
        try:
            data = {self.key: self.complete(outcome)}
        except Exception:  # noqa: BLE001 - _Unexpected, or a scalar refusing a value
            return await _settled(execute_in_full(middleware=[_replay(outcome)]))
        if _verify:
            full = await _settled(execute_in_full(middleware=[_replay(outcome)]))
            if full.errors or full.data != data:
                raise AssertionError(f"direct path gave {data}, graphql-core {full}")
        return ExecutionResult(data=data, errors=None)


def plan_for(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> Plan | None:
    """The plan of the document's operation, or None when graphql-core should run it."""
    return _plan(schema, SameDocument(document), operation_name)


@lru_cache(maxsize=_PLANS)
def _plan(schema: GraphQLSchema, same: SameDocument, operation_name: str | None) -> Plan | None:
    document = same.document
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is OperationType.SUBSCRIPTION:
        return None
    root_type = schema.get_root_type(operation.operation)
    selections = operation.selection_set.selections
    if root_type is None or operation.directives or len(selections) != 1:
        return None
    node = selections[0]
    if not isinstance(node, FieldNode) or node.directives or node.name.value.startswith("__"):
        return None
    field = root_type.fields.get(node.name.value)
    if field is None or field.resolve is None:
        return None
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    try:
        complete = _Planner(schema, fragments).output(field.type, node.selection_set)
    except _Unplannable:
        return None
    key = node.alias.value if node.alias else node.name.value
    return Plan(operation, node, field, root_type, key, fragments, complete)


class _Planner:
    """Completion functions for output types, under one document's selections."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]):
        self._schema = schema
        self._fragments = fragments

    def output(self, type_: GraphQLOutputType, selections: SelectionSetNode | None) -> Complete:
        if is_non_null_type(type_):
            return _non_null(self.output(type_.of_type, selections))
        if is_list_type(type_):
            return _list(self.output(type_.of_type, selections))
        if is_leaf_type(type_):
            return _leaf(type_.serialize)
        if selections is None:
            raise _Unplannable  # validation makes sure it never is
        if is_object_type(type_):
            return self._object(type_, selections)
        if is_abstract_type(type_):
            return self._abstract(type_, selections)
        raise _Unplannable

    def _abstract(self, type_: GraphQLAbstractType, selections: SelectionSetNode) -> Complete:
        resolve_type = type_.resolve_type
        if resolve_type is None:  # graphql-core's default resolver reads __typename: not here
            raise _Unplannable
        by_name = {
            possible.name: self._object(possible, selections)
            for possible in self._schema.get_possible_types(type_)
        }

        def complete(value: Any) -> Any:
            if value is None:
                return None
            name = resolve_type(value, _ROOTLESS_INFO, type_)
            if not isinstance(name, str) or name not in by_name:
                raise _Unexpected
            return by_name[name](value)

        return complete

    def _object(self, type_: GraphQLObjectType, selections: SelectionSetNode) -> Complete:
        is_type_of = type_.is_type_of
        name = type_.name
        fields: list[tuple[str, Callable[..., Any] | None, Complete | None]] = []
        for key, node in self._collect(type_, selections.selections, {}):
            if node.name.value == "__typename":
                fields.append((key, None, None))
                continue
            field = type_.fields.get(node.name.value)
            resolve = field.resolve if field is not None else None
            if (
                field is None
                or field.args
                or node.arguments
                or getattr(resolve, "__name__", None) != _ATTRIBUTE_RESOLVER
            ):
                raise _Unplannable
            fields.append((key, resolve, self.output(field.type, node.selection_set)))

        def complete(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, Exception) or (
                is_type_of is not None and is_type_of(value, _ROOTLESS_INFO) is not True
            ):
                raise _Unexpected
            return {
                key: name if resolve is None else complete(resolve(value, None))  # type: ignore[misc]
                for key, resolve, complete in fields
            }

        return complete

    def _collect(
        self,
        type_: GraphQLObjectType,
        selections: Iterable[SelectionNode],
        keys: dict[str, FieldNode],
    ) -> Iterable[tuple[str, FieldNode]]:
        """Each field selected on `type_`, once per response key, in the order graphql-core
        answers them."""
        for selection in selections:
            if selection.directives:
                raise _Unplannable
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                if key in keys:
                    # Validation made them the same field with the same arguments: a leaf
                    # is simply the same answer, selections below would need merging.
                    if selection.selection_set is None and keys[key].selection_set is None:
                        continue
                    raise _Unplannable
                keys[key] = selection
                yield key, selection
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, type_):
                    yield from self._collect(type_, selection.selection_set.selections, keys)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragments.get(selection.name.value)
                if fragment is None or fragment.directives or selection.arguments:
                    raise _Unplannable
                if self._applies(fragment.type_condition.name.value, type_):
                    yield from self._collect(type_, fragment.selection_set.selections, keys)
            else:
                raise _Unplannable

    def _applies(self, condition: str, type_: GraphQLObjectType) -> bool:
        if condition == type_.name:
            return True
        conditional = self._schema.get_type(condition)
        return is_abstract_type(conditional) and self._schema.is_sub_type(conditional, type_)


def _non_null(inner: Complete) -> Complete:
    def complete(value: Any) -> Any:
        completed = inner(value)
        if completed is None:  # graphql-core words the error and nulls the parent
            raise _Unexpected
        return completed

    return complete


def _list(item: Complete) -> Complete:
    def complete(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list | tuple):
            raise _Unexpected
        return [item(each) for each in value]

    return complete


def _leaf(serialize: Callable[[Any], Any]) -> Complete:
    def complete(value: Any) -> Any:
        if value is None:
            return None
        serialized = serialize(value)
        if serialized is None or serialized is Undefined:
            raise _Unexpected
        return serialized

    return complete


def _replay(outcome: Any) -> Callable[..., Any]:
    """graphql-core middleware: the root field answers `outcome` instead of running again."""

    def middleware(resolve: Callable[..., Any], source: Any, info: Any, **arguments: Any) -> Any:
        if info.path.prev is not None:
            return resolve(source, info, **arguments)
        if isinstance(outcome, _Raised):
            raise outcome.error
        return outcome

    return middleware


async def _settled(result: Any) -> ExecutionResult:
    if isawaitable(result):
        result = await result
    assert isinstance(result, ExecutionResult)
    return result


async def _gather(values: Sequence[Awaitable[Any]]) -> list[Any]:
    return list(await asyncio.gather(*values))


def _untracked(_values: Sequence[Any]) -> None:
    raise NotImplementedError("resolvers on the direct path cannot track background work")


_HELPERS = GraphQLResolveInfoHelpers(gather=_gather, track=_untracked)


class _RootlessInfo:
    """What Strawberry's type resolvers read of an info while the plan completes a value."""

    field_name = ""


_ROOTLESS_INFO: Any = _RootlessInfo()
