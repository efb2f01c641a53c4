"""Tenancy and scopes of the after-intake mutations (SPEC section 11), on both databases."""

from __future__ import annotations

import httpx
import pytest

from app.runtime import Runtime
from tests.utils.api import VALID_DEBT, Api, fetch_token
from tests.utils.changes import CHANGE_DEBT_STATUS, ERASE_DEBT, UPDATE_DEBT, events
from tests.utils.factories import make_client

MUTATIONS = [
    pytest.param(UPDATE_DEBT, {"input": {"city": "Lyon"}}, "updateDebt", id="updateDebt"),
    pytest.param(CHANGE_DEBT_STATUS, {"status": "PAID"}, "changeDebtStatus", id="changeDebtStatus"),
    pytest.param(ERASE_DEBT, {}, "eraseDebt", id="eraseDebt"),
]


@pytest.fixture
async def other(http: httpx.AsyncClient, runtime: Runtime) -> Api:
    return await Api.for_new_company(http, runtime)


@pytest.mark.parametrize(("query", "variables", "name"), MUTATIONS)
async def test_another_companys_debt_is_answered_as_an_unknown_one(
    api: Api, other: Api, query: str, variables: dict[str, object], name: str
) -> None:
    theirs = await other.create_debt(VALID_DEBT)
    foreign = await api.post(query, {**variables, "id": theirs["id"]})
    # Same length as a real id, so that nothing but existence could tell them apart.
    unknown = await api.post(query, {**variables, "id": "debt_" + "A" * 22})
    malformed = await api.post(query, {**variables, "id": "x"})
    assert foreign.status_code == unknown.status_code == malformed.status_code == 200
    assert foreign.json() == {
        "data": {name: {"__typename": "DebtNotFound", "message": "No debt with this id"}}
    }
    assert foreign.content == unknown.content == malformed.content
    after = await other.debt(theirs["id"])
    assert after is not None and after["status"] == "PENDING" and after["firstname"] == "Jean"
    assert len(await events(other, theirs["id"])) == 1


@pytest.mark.parametrize(("query", "variables", "name"), MUTATIONS)
async def test_the_mutations_need_scope_debts_write(
    api: Api, http: httpx.AsyncClient, runtime: Runtime, query: str,
    variables: dict[str, object], name: str,
) -> None:  # fmt: skip
    debt = await api.create_debt(VALID_DEBT)
    reader = await make_client(runtime, api.company_id, scopes=("debts:read",))
    token = await fetch_token(http, reader.client_id, reader.client_secret)
    body = await api.gql(query, {**variables, "id": debt["id"]}, token=token)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert body["data"] is None
    anonymous = await api.gql(query, {**variables, "id": debt["id"]}, token=None)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert len(await events(api, debt["id"])) == 1
