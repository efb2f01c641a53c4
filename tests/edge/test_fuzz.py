"""Documents generated from the schema, valid and invalid, sent over HTTP with a valid token.

Whatever arrives: no 5xx, no INTERNAL, and the database holds exactly the debts and
timelines the answers report as created (none when the operation was refused).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import graphql
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes
from sqlalchemy import func, select
from sqlmodel import col

from app.graphql.schema import schema
from app.storage.models import Company, Timeline
from tests.utils.api import CREATE_DEBT, Api

SCHEMA = schema.as_str()
EXAMPLES = 120

_strings = st.text(max_size=30)
_json_leaf = st.one_of(
    st.integers(-(10**6), 10**6).map(nodes.Int),
    _strings.map(nodes.String),
    st.booleans().map(nodes.Boolean),
    st.just(nodes.Null),
)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(nodes.List),
        st.dictionaries(st.from_regex(r"[a-z]{1,8}", fullmatch=True), inner, max_size=3).map(
            lambda fields: nodes.Object(
                [
                    graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=value)
                    for key, value in fields.items()
                ]
            )
        ),
    ),
    max_leaves=6,
)
SCALARS = {
    "Date": st.one_of(st.dates().map(str), _strings).map(nodes.String),
    "DateTime": st.one_of(st.datetimes(timezones=st.just(UTC)).map(str), _strings).map(
        nodes.String
    ),
    "Decimal": st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True, places=3).map(str).map(nodes.String),
        st.sampled_from(["1250.00", "0.1", "1e3", "-5", "NaN", "Infinity"]).map(nodes.String),
        st.integers().map(nodes.Int),
        st.floats().map(nodes.Float),
        _strings.map(nodes.String),
    ),
    "JSON": _json,
}


def _with_typename(document: graphql.DocumentNode) -> str:
    """The document with `__typename` in every selection set, so answers say what they are."""

    class AddTypename(graphql.Visitor):
        def leave_selection_set(self, node: graphql.SelectionSetNode, *_: Any) -> Any:
            typename = graphql.FieldNode(name=graphql.NameNode(value="__typename"))
            return graphql.SelectionSetNode(selections=(*node.selections, typename))

    return graphql.print_ast(graphql.visit(document, AddTypename()))


async def _timeline_count(api: Api) -> int:
    async with api.runtime.engine.connect() as connection:
        count = await connection.scalar(
            select(func.count())
            .select_from(Timeline)
            .join(Company, Company.id == Timeline.company_id)  # type: ignore[arg-type]
            .where(col(Company.public_id) == api.company_id)
        )
    return int(count or 0)


async def _check(api: Api, query: str) -> None:
    debts, timelines = await api.debt_count(), await _timeline_count(api)
    response = await api.post(query)

    assert response.status_code < 500, (query, response.text)
    created = {"Debt": 0, "Timeline": 0}
    if response.status_code == 200:
        body = response.json()
        codes = [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
        assert "INTERNAL" not in codes, (query, body)
        assert "SERVICE_UNAVAILABLE" not in codes, (query, body)
        data = body.get("data")
        if data is not None and query.lstrip().startswith("mutation"):
            for value in data.values():
                if isinstance(value, dict) and value.get("__typename") in created:
                    created[value["__typename"]] += 1
    for kind, count in created.items():
        if count:
            event(f"created a {kind}")  # see --hypothesis-show-statistics
    assert await api.debt_count() == debts + created["Debt"], query
    assert await _timeline_count(api) == timelines + created["Timeline"], query


# Each input field is either a plausible value (valid or a classic mistake) or anything JSON.
_ANY_JSON = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
_PLAUSIBLE: dict[str, list[Any]] = {
    "firstname": ["Jean", " Jean ", "", "x" * 256, "Je\u0000an"],
    "lastname": ["Dupont", "   ", "Ølsen-Łukasz"],
    "civility": ["MR", "MS", "MRS", "mr"],
    "phone": [
        "0612345678",
        "+33 6 12 34 56 78",
        "0690123456",
        "+590690123456",
        "+212612345678",
        "+999123",
        "06123",
        "abc",
    ],
    "email": ["debtor@example.org", "Jean.Dupont@Example.COM", "not-an-email", "a@b"],
    "amount": ["1250.00", "0.10", "0", "-1", "1e3", "NaN", "Infinity", "0.001", "1" * 13, 12, 12.5],
    "currency": ["EUR", "eur", "JPY", "TND", "XXX", "ZZZ", "€"],
    "birthdate": ["1980-02-29", "2024-02-30", "2024-1-5", "2999-01-01", "2024-01-05T00:00:00"],
    "invoiceDate": ["2024-01-05", "2024-13-01"],
    "dueDate": ["2024-02-05", "2023-12-31"],
    "country": ["FR", "gp", "RE", "XX", "FRA"],
    "iban": ["FR1420041010050500013M02606", "fr14 2004 1010 0505 0001 3m02 606", "FR00"],
    "paymentLink": ["https://pay.example.com/i/42", "ftp://x", "pay.example.com"],
    "metadata": [{"source": "erp"}, [1, 2], "text", {"big": "x" * 17_000}],
    "timelineId": ["tl_unknown", "", "tl_\u0000"],
    "timelineStartMode": ["IMMEDIATE", "NEXT_DAY", "LATER"],
    "acceptExpensiveDestination": [True, False, None],
    "object": ["Unpaid invoice", "x" * 2_001],
}


def _field_values(plausible: list[Any]) -> st.SearchStrategy[Any]:
    # Mostly plausible values: a wrong JSON type refuses the whole request at once.
    return st.integers(0, 29).flatmap(lambda n: _ANY_JSON if n == 0 else st.sampled_from(plausible))


_debt_inputs = st.fixed_dictionaries(
    {},
    optional={name: _field_values(values) for name, values in _PLAUSIBLE.items()},
).map(
    # Start from a valid debt so that many inputs differ from one by a field or two.
    lambda fields: {
        "firstname": "Jean",
        "lastname": "Dupont",
        "phone": "0612345678",
        "amount": "10",
        "currency": "EUR",
        **fields,
    }
)

_FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis directory in the checkout
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one company for every example, on purpose
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@_FUZZ
@given(document=from_schema(SCHEMA, custom_scalars=SCALARS, print_ast=_with_typename))
async def test_valid_documents_never_fail_the_server(api: Api, document: str) -> None:
    await _check(api, document)


@_FUZZ
@given(
    document=from_schema(
        SCHEMA, custom_scalars=SCALARS, print_ast=_with_typename, mode=Mode.NEGATIVE
    )
)
async def test_invalid_documents_are_refused_and_write_nothing(api: Api, document: str) -> None:
    await _check(api, document)


@_FUZZ
@given(document=st.text(max_size=200))
async def test_arbitrary_text_is_refused_and_writes_nothing(api: Api, document: str) -> None:
    await _check(api, document)


_ANSWERED_DEBTS: set[str] = set()


@_FUZZ
@given(debt=_debt_inputs, key=st.one_of(st.none(), st.text(max_size=3), st.just(7)))
async def test_nearly_valid_debts_write_exactly_what_they_report(
    api: Api, debt: dict[str, Any], key: Any
) -> None:
    before = await api.debt_count()
    response = await api.post(CREATE_DEBT, {"input": debt, "key": key})

    assert response.status_code == 200, response.text
    body = response.json()
    codes = [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
    assert not {"INTERNAL", "SERVICE_UNAVAILABLE"} & set(codes), body
    result = (body.get("data") or {}).get("createDebt") or {}
    event(f"answered {result.get('__typename') or sorted(set(codes))}")
    # A key already used with this same input replays its first debt and writes nothing.
    created = result.get("__typename") == "Debt" and result["id"] not in _ANSWERED_DEBTS
    if created:
        _ANSWERED_DEBTS.add(result["id"])
    assert await api.debt_count() == before + created, body
