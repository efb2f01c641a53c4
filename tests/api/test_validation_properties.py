"""createDebt fed arbitrary JSON in every input field, over HTTP, on both databases.

Whatever arrives, the answer is a Debt, a ValidationError or an ExpensiveDestinationError,
or a GraphQL error for a wrongly typed variable, or a 4xx for a body that is not JSON;
never a 5xx or an INTERNAL error, and nothing is written unless a Debt comes back.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.domain.errors import ValidationCode
from app.runtime import Runtime
from tests.utils.api import CREATE_DEBT, VALID_DEBT, Api

INPUT_FIELDS = [
    "firstname", "lastname", "civility", "phone", "email", "amount", "currency", "birthdate",
    "object", "internalId", "invoiceReference", "debtorReference", "invoiceDate", "dueDate",
    "address", "streetAddress", "streetNumber", "postalCode", "city", "country", "iban",
    "company", "debtorCompany", "paymentLink", "metadata", "timelineId", "timelineStartMode",
    "acceptExpensiveDestination",
]  # fmt: skip
FAULT_CODES = {"INTERNAL", "SERVICE_UNAVAILABLE"}

# Text of every kind: any code point (NUL, controls, lone surrogates, astral), huge strings,
# words numbers are spelled with, and values that are nearly right for some field.
texts = st.one_of(
    st.text(alphabet=st.characters(codec=None), max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.integers(min_value=200, max_value=20_000).map(lambda n: "x" * n),
    st.sampled_from(
        [
            "", " ", "\x00", "\ud800", "NaN", "nan", "-Infinity", "Infinity", "1e999999999",
            "1e-999999999", "-0", "0612345678", "+33 6 12 34 56 78", "0690123456", "2024-02-29",
            "2024-02-30", "jean@example.com", "EUR", "jpy", "XXX", "GP", "fr",
            "FR14 2004 1010 0505 0001 3M02 606", "https://pay.example.com/x", "MR", "NEXT_DAY",
        ]
    ),
)  # fmt: skip
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),  # NaN/Infinity make the body invalid JSON
    st.floats(min_value=-1e-300, max_value=1e-300),
)
scalars = st.none() | st.booleans() | numbers | texts
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(texts, inner, max_size=5),
    max_leaves=25,
)
deeply_nested = st.integers(min_value=1, max_value=400).map(lambda depth: _nest({"leaf": 1}, depth))


def mostly(right: st.SearchStrategy[Any], wrong: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Values of the field's GraphQL type four times out of five, anything JSON otherwise."""
    return st.one_of(right, right, right, right, wrong)


TEXT_FIELDS = [
    name
    for name in INPUT_FIELDS
    if name
    not in {"civility", "amount", "metadata", "timelineStartMode", "acceptExpensiveDestination"}
]
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    **{name: mostly(st.none() | texts, json_values) for name in TEXT_FIELDS},
    "civility": mostly(st.sampled_from(["MR", "MS", None]), texts),
    "amount": mostly(texts | numbers, json_values),
    "metadata": st.one_of(json_values, deeply_nested),
    "timelineStartMode": mostly(st.sampled_from(["IMMEDIATE", "NEXT_DAY", None]), texts),
    "acceptExpensiveDestination": mostly(st.booleans(), json_values),
}
overrides = st.lists(st.sampled_from(INPUT_FIELDS), max_size=5, unique=True).flatmap(
    lambda names: st.fixed_dictionaries({name: FIELD_VALUES[name] for name in names})
)
removals = st.sets(st.sampled_from(INPUT_FIELDS), max_size=2)


def _nest(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = {"a": value}
    return value


def body_of(debt: dict[str, Any]) -> bytes:
    # Encoded by hand: escaped lone surrogates and bare NaN reach the server as they are,
    # where a client library would refuse to send them.
    document = {"query": CREATE_DEBT, "variables": {"input": debt}}
    return json.dumps(document, ensure_ascii=True, allow_nan=True).encode("ascii")


@pytest.fixture(scope="module")
async def intake(http: httpx.AsyncClient, runtime: Runtime) -> AsyncIterator[Api]:
    """One company per backend for all the examples; each compares counts around itself."""
    yield await Api.for_new_company(http, runtime)


async def send(api: Api, debt: dict[str, Any]) -> httpx.Response:
    return await api.http.post(
        "/graphql",
        content=body_of(debt),
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(changes=overrides, removed=removals)
async def test_any_input_gets_a_typed_answer_and_refusals_write_nothing(
    intake: Api, changes: dict[str, Any], removed: set[str]
) -> None:
    debt = {name: value for name, value in {**VALID_DEBT, **changes}.items() if name not in removed}
    before = await intake.debt_count()

    response = await send(intake, debt)

    assert response.status_code < 500, response.text
    event(f"HTTP {response.status_code}")
    if response.status_code != 200:  # not JSON at all (NaN, lone surrogates): a clear 4xx
        assert 400 <= response.status_code < 500
        assert await intake.debt_count() == before
        return
    body = response.json()
    if "errors" in body:  # wrongly typed variables: refused before any resolver runs
        assert body.get("data") is None, body
        codes = {(error.get("extensions") or {}).get("code") for error in body["errors"]}
        assert not codes & FAULT_CODES, body
        event("GraphQL error")
        assert await intake.debt_count() == before
        return
    result = body["data"]["createDebt"]
    kind = result["__typename"]
    event(kind)
    if kind == "Debt":
        assert await intake.debt_count() == before + 1
        read = await intake.debt(result["id"])
        assert read is not None
        assert {name: result[name] for name in read} == read, "stored as it was answered"
        return
    assert kind in {"ValidationError", "ExpensiveDestinationError"}, result
    assert await intake.debt_count() == before
    if kind == "ValidationError":
        fields = result["fields"]
        assert fields and all(error["message"] for error in fields)
        assert {error["code"] for error in fields} <= {code.value for code in ValidationCode}
        positions = [INPUT_FIELDS.index(error["field"]) for error in fields]
        assert positions == sorted(positions), "input field order"
