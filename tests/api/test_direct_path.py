"""The direct path (app/graphql/direct.py): which operations take it, and that its answers,
and the answers it hands back to graphql-core, are graphql-core's own.

Through the real stack, the suite's conftest has every planned answer completed by
graphql-core too and compared; the planner's own cases run on a small schema of their own.
"""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import execute, parse
from strawberry.permission import BasePermission

from app.graphql.direct import Plan, plan_for
from app.graphql.schema import schema as debt_schema
from tests.utils.api import VALID_DEBT, Api


def planned(query: str, operation_name: str | None = None) -> Plan | None:
    return plan_for(debt_schema._schema, parse(query), operation_name)


async def test_create_debt_with_fragments_aliases_and_typenames(api: Api) -> None:
    query = """
        mutation Register($input: CreateDebtInput!) {
          registered: createDebt(input: $input) {
            kind: __typename
            ...DebtFields
            ... on ValidationError { message fields { field code } }
            ... on Error { message }
          }
        }
        fragment DebtFields on Debt {
          id
          amount: amountText
          destination { country expensive }
          who: firstname
        }
    """
    assert planned(query) is not None

    body = await api.gql(query, {"input": {**VALID_DEBT, "phone": "+33612345678"}})
    registered = body["data"]["registered"]
    assert registered["kind"] == "Debt"
    assert registered["id"].startswith("debt_")
    assert registered["who"] == VALID_DEBT["firstname"]
    assert registered["destination"] == {"country": "FR", "expensive": False}

    refused = await api.gql(query, {"input": {**VALID_DEBT, "email": "nope"}})
    error = refused["data"]["registered"]
    assert error["kind"] == "ValidationError"
    assert {"field": "email", "code": "INVALID_EMAIL"} in error["fields"]
    assert await api.debt_count() == 1


async def test_resolver_errors_are_graphql_cores(api: Api) -> None:
    """No token: the resolver raises, and the error is located as graphql-core locates it."""
    query = "mutation($i: CreateDebtInput!) { createDebt(input: $i) { __typename } }"
    assert planned(query) is not None

    body = await api.gql(query, {"i": VALID_DEBT}, token=None)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["path"] == ["createDebt"]
    assert error["locations"] == [{"line": 1, "column": 34}]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_refused_variables_are_answered_by_graphql_core(api: Api) -> None:
    query = "mutation($i: CreateDebtInput!) { createDebt(input: $i) { __typename } }"
    body = await api.gql(query, {"i": {**VALID_DEBT, "civility": "SIR"}})
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"].startswith("Variable '$i' has invalid value at .civility: ")
    assert await api.debt_count() == 0


@pytest.mark.parametrize(
    "query",
    [
        "query { __typename }",
        'query { debts(first: 1) { totalCount } debt(id: "debt_x") { id } }',
        "query($s: Boolean!) { debts(first: 1) @include(if: $s) { totalCount } }",
        "query($s: Boolean!) { debts(first: 1) { totalCount @skip(if: $s) } }",
        "query { debts(first: 1) { totalCount totalCount } }",
        "query { debts(first: 1) { edges { node { id } } edges { cursor } } }",
    ],
)
def test_shapes_left_to_graphql_core(query: str) -> None:
    """Directives, several root fields, merged selections and introspection are not planned."""
    assert planned(query) is None


def test_the_operation_named_is_the_one_planned() -> None:
    query = (
        "query A { __typename } "
        "mutation B($i: CreateDebtInput!) { created: createDebt(input: $i) { __typename } }"
    )
    assert planned(query, "A") is None
    plan = planned(query, "B")
    assert plan is not None and plan.key == "created"


# ------------------------------------------------------------ a schema of the planner's own


@strawberry.type
class Thing:
    name: str | None
    label: str


class Refused(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Query:
    @strawberry.field(permission_classes=[Refused])  # type: ignore[untyped-decorator]
    def guarded(self) -> str:
        raise AssertionError("a refused resolver must not run")

    @strawberry.field
    def thing(self, label: str | None = "x", name: str | None = "a") -> Thing:
        if label == "boom":
            raise ValueError("the resolver failed")
        return Thing(name=name, label=label)  # type: ignore[arg-type] # None for a non-null


small = strawberry.Schema(query=Query)


async def run_both(query: str) -> tuple[Any, Any]:
    """The direct path's result and graphql-core's, for the same document."""
    document = parse(query)
    plan = plan_for(small._schema, document, None)
    assert plan is not None

    def execute_in_full(**options: Any) -> Any:
        return execute(small._schema, document, **options)

    direct = await plan.run(
        small._schema,
        context=None,
        root_value=None,
        variables=None,
        operation_extensions=None,
        execute_in_full=execute_in_full,
    )
    full = execute_in_full()
    return direct.formatted, full.formatted


async def test_a_plain_answer_is_the_same() -> None:
    direct, full = await run_both('{ thing(name: "n") { name label __typename } }')
    assert direct == full == {"data": {"thing": {"name": "n", "label": "x", "__typename": "Thing"}}}


async def test_a_null_in_a_non_null_field_is_handed_back() -> None:
    direct, full = await run_both("{ thing(label: null) { name label } }")
    assert direct == full
    assert full["data"] is None
    assert full["errors"][0]["path"] == ["thing", "label"]


async def test_a_raising_resolver_is_handed_back() -> None:
    direct, full = await run_both('{ thing(label: "boom") { label } }')
    assert direct == full
    assert full["errors"][0]["message"] == "the resolver failed"


def test_plans_are_cached_by_document_object() -> None:
    """parse_document gives one object per text; a plan is kept per object, never per
    equal-looking tree (hashing a graphql-core tree walks all of it)."""
    query = "mutation($i: CreateDebtInput!) { createDebt(input: $i) { __typename } }"
    document = parse(query)
    first = plan_for(debt_schema._schema, document, None)
    assert first is not None
    assert plan_for(debt_schema._schema, document, None) is first
    assert plan_for(debt_schema._schema, parse(query), None) is not first


async def test_variables_the_plan_does_not_coerce_are_coerced_by_graphql_core(api: Api) -> None:
    """A single item where a list is expected is a list of one (GraphQL's input coercion);
    the plan hands such variables to graphql-core and goes on with what it gives."""
    query = """
        mutation($input: CreateDebtsInput!) {
          createDebts(input: $input) { ... on DebtImport { summary { total created } } }
        }
    """
    assert planned(query) is not None
    body = await api.gql(query, {"input": {"debts": VALID_DEBT}})
    assert body == {"data": {"createDebts": {"summary": {"total": 1, "created": 1}}}}
    assert await api.debt_count() == 1


async def test_a_resolver_with_a_permission_still_runs_through_strawberry() -> None:
    """Only plain resolvers are called directly; a permission (a field extension) holds."""
    direct, full = await run_both("{ guarded }")
    assert direct == full
    assert full["data"] is None
    assert full["errors"][0]["message"] == "not for you"
