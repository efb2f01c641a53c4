"""A direct path for the commonest operations: one root field whose answer is plain data.

graphql-core runs any operation, and for each createDebt it also coerces the variables
through its generic walk, builds an execution context, collects fields, runs every
resolver through its awaitable and abort machinery and completes the answer field by field.
An operation of the common shape is planned once per document: variables without defaults;
one root field and no directive; below it, fields that read an attribute and take no
arguments, and no response key selected twice but for leaves. The plan coerces the
variables with functions built for their types, hands the root field's arguments to
graphql-core's get_argument_values, calls the root resolver (a plain one as Strawberry's
wrapper would, without the wrapper; any other through it, as graphql-core does), and
completes the answer. In-process, 0.93 against 0.76 ms of CPU per createDebt, 229 against
195 ms per createDebts of 1,000 (interleaved A/B in one process).

Whatever a plan does not expect goes back to graphql-core, which answers as it always
does: variables the plan does not coerce (refused ones, a single value for a list) are
coerced by get_variable_values; a resolver that raised, a null where the type forbids one,
a value a scalar refuses or an object of a type the plan has not seen are completed by
graphql-core with the root field's outcome replayed, never run twice. The test suite runs
every planned coercion and answer both ways and compares them (`verify_against_graphql_core`).
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
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    Undefined,
    VariableDefinitionNode,
    get_argument_values,
    get_operation_ast,
    get_variable_values,
    is_abstract_type,
    is_input_object_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    is_required_input_field,
)
from graphql.execution.get_variable_signature import get_variable_signature
from graphql.execution.values import VariableValues, VariableValueSource
from graphql.pyutils import Path
from graphql.type.definition import GraphQLResolveInfoHelpers
from graphql.utilities.coerce_input_value import coerce_default_value
from strawberry.schema.schema import _OperationContextAwareGraphQLResolveInfo
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_argument
from strawberry.types.field import StrawberryField

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
    """A value the plan does not coerce or complete: graphql-core does, as it always would."""


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
    variables: Callable[[dict[str, Any]], VariableValues]
    call: Callable[[Any, Any, dict[str, Any]], Any]
    complete: Complete

    async def run(
        self,
        schema: GraphQLSchema,
        *,
        context: Any,
        root_value: Any,
        variables: dict[str, Any] | None,
        operation_extensions: dict[str, Any] | None,
        execute_in_full: Execute,
    ) -> ExecutionResult:
        """The operation's result, as graphql-core's `execute_in_full` would give it."""
        coerced = self._coerce(schema, variables or {})
        if coerced is None:  # refused variables: graphql-core words the errors
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
            outcome = self.call(root_value, info, arguments)
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

    def _coerce(self, schema: GraphQLSchema, inputs: dict[str, Any]) -> VariableValues | None:
        """The coerced variables, as graphql-core's get_variable_values gives them; None if
        it refuses them."""
        definitions = self.operation.variable_definitions or ()
        try:
            coerced = self.variables(inputs)
        except Exception:  # noqa: BLE001 - _Unexpected, or a scalar refusing a value
            full = get_variable_values(schema, definitions, inputs)
            return None if isinstance(full, list) else full
        if _verify:
            full = get_variable_values(schema, definitions, inputs)
            if isinstance(full, list) or _seen(full) != _seen(coerced):
                raise AssertionError(f"direct path coerced {coerced}, graphql-core {full}")
        return coerced


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
        variables = _variables(schema, operation.variable_definitions or ())
        complete = _Planner(schema, fragments).output(field.type, node.selection_set)
    except _Unplannable:
        return None
    key = _response_key(node)
    call = _plain_resolver_call(schema, field) or _graphql_resolver_call(field)
    return Plan(operation, node, field, root_type, key, fragments, variables, call, complete)


def _response_key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


# ---------------------------------------------------------------- the root resolver


def _graphql_resolver_call(field: GraphQLField) -> Callable[[Any, Any, dict[str, Any]], Any]:
    """The field's resolver as graphql-core calls it: Strawberry's wrapper around it."""
    resolve = field.resolve
    assert resolve is not None

    def call(source: Any, info: Any, arguments: dict[str, Any]) -> Any:
        return resolve(source, info, **arguments)

    return call


def _plain_resolver_call(
    schema: GraphQLSchema, field: GraphQLField
) -> Callable[[Any, Any, dict[str, Any]], Any] | None:
    """A resolver function with no field extension, permission or exception handler, called
    as Strawberry's wrapper calls it, without the wrapper.

    The wrapper runs the extensions' chain even when there is none, and works out the
    arguments' GraphQL names on every call: about 4% of a createDebt's CPU. Its conversion
    of each argument (convert_argument) is kept as it is.
    """
    strawberry_schema = getattr(schema, "_strawberry_schema", None)
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        not isinstance(definition, StrawberryField)
        or strawberry_schema is None
        or strawberry_schema.exception_handlers
        or definition.extensions
        or definition.is_subscription
        or definition.base_resolver is None
    ):
        return None
    resolver = definition.base_resolver
    config = strawberry_schema.config
    registry = strawberry_schema.schema_converter.scalar_registry
    arguments = [
        (config.name_converter.from_argument(argument), argument.python_name, argument.type)
        for argument in definition.arguments
    ]
    takes_self = resolver.self_parameter is not None
    named_sources = [
        parameter.name
        for parameter in (resolver.parent_parameter, resolver.root_parameter)
        if parameter is not None
    ]
    info_name = resolver.info_parameter.name if resolver.info_parameter else None

    def call(source: Any, info: Any, given: dict[str, Any]) -> Any:
        strawberry_info = config.info_class(_raw_info=info, _field=definition)
        kwargs = {
            python_name: convert_argument(
                given[name], type_, registry, config, strawberry_info, path=(name,)
            )
            for name, python_name, type_ in arguments
            if name in given
        }
        for name in named_sources:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = strawberry_info
        return resolver(*([source] if takes_self else []), **kwargs)

    return call


# ---------------------------------------------------------------- variables


def _variables(
    schema: GraphQLSchema, definitions: Iterable[VariableDefinitionNode]
) -> Callable[[dict[str, Any]], VariableValues]:
    """What get_variable_values gives for inputs it accepts; _Unexpected for any other."""
    planned = []
    for definition in definitions:
        signature = get_variable_signature(schema, definition)
        if isinstance(signature, GraphQLError) or signature.default is not None:
            raise _Unplannable  # a default is left to graphql-core
        planned.append((signature, is_non_null_type(signature.type), _input(signature.type)))

    def coerce(inputs: dict[str, Any]) -> VariableValues:
        sources: dict[str, VariableValueSource] = {}
        coerced: dict[str, Any] = {}
        for signature, required, coerce_value in planned:
            value = inputs.get(signature.name, Undefined)
            if value is Undefined:
                if required:
                    raise _Unexpected
                sources[signature.name] = VariableValueSource(signature)
                continue
            sources[signature.name] = VariableValueSource(signature, value)
            coerced[signature.name] = coerce_value(value)
        return VariableValues(sources, coerced)

    return coerce


def _seen(values: VariableValues) -> tuple[Any, ...]:
    """What a resolver can tell of coerced variables (a type wrapper is a new object each
    time graphql-core reads a signature)."""
    sources = {
        name: (source.signature.name, str(source.signature.type), source.value)
        for name, source in values.sources.items()
    }
    return sources, values.coerced


def _input(type_: GraphQLInputType, building: frozenset[str] = frozenset()) -> Complete:
    """coerce_input_value for one type, for values it accepts; _Unexpected for any other.

    Input object types that contain themselves are left to graphql-core, which also bounds
    how deep a value may nest: without them, the type bounds it.
    """
    if is_non_null_type(type_):
        inner = _input(type_.of_type, building)

        def non_null(value: Any) -> Any:
            if value is None:
                raise _Unexpected
            return inner(value)

        return non_null
    if is_list_type(type_):
        item = _input(type_.of_type, building)

        def list_(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, list):  # a single value as a list of one: graphql-core
                raise _Unexpected
            return [item(each) for each in value]

        return list_
    if is_input_object_type(type_):
        return _input_object(type_, building)
    if not is_leaf_type(type_):
        raise _Unplannable
    parse = type_.coerce_input_value

    def leaf(value: Any) -> Any:
        if value is None:
            return None
        parsed = parse(value)
        if parsed is Undefined:
            raise _Unexpected
        return parsed

    return leaf


def _input_object(type_: GraphQLInputObjectType, building: frozenset[str]) -> Complete:
    if type_.is_one_of or type_.name in building:
        raise _Unplannable
    building = building | {type_.name}
    names = frozenset(type_.fields)
    fields = [
        (
            name,
            field.out_name or name,
            is_required_input_field(field),
            coerce_default_value(field),  # memoized by graphql-core: the same object
            _input(field.type, building),
        )
        for name, field in type_.fields.items()
    ]
    out_type = type_.out_type

    def input_object(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict) or not names.issuperset(value):
            raise _Unexpected
        coerced: dict[str, Any] = {}
        for name, out_name, required, default, coerce_value in fields:
            given = value.get(name, Undefined)
            if given is Undefined:
                if required:
                    raise _Unexpected
                if default is not Undefined:
                    coerced[out_name] = default
            else:
                coerced[out_name] = coerce_value(given)
        return out_type(coerced)

    return input_object


# ---------------------------------------------------------------- answers


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
                key = _response_key(selection)
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
