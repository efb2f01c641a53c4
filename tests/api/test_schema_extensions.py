"""Strawberry's pipeline is the service's own: a third-party schema extension runs for every
operation, the service's writes included."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from strawberry.extensions import SchemaExtension

from app.config import Settings
from app.http.app import create_app
from tests.utils.api import CREATE_DEBT, VALID_DEBT, Api
from tests.utils.clock import Clock

CREATE_DEBTS = """
mutation Import($debts: [CreateDebtsItemInput!]!) {
  createDebts(input: {debts: $debts}) {
    __typename ... on DebtImport { summary { created } }
  }
}
"""


class CountingExtension(SchemaExtension):
    """What a tracing or error-reporting integration looks like: hooks, nothing else."""

    executed: list[str | None] = []  # noqa: RUF012 - shared by the instances of one test run
    results: list[bool] = []  # noqa: RUF012

    def on_execute(self) -> Iterator[None]:
        self.executed.append(self.execution_context.operation_name)
        yield
        result = self.execution_context.result
        self.results.append(result is not None and not result.errors)


@pytest.fixture
async def extended(
    app: Starlette, settings: Settings, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    """A server whose schema also runs CountingExtension (on the suite's database)."""
    CountingExtension.executed.clear()
    CountingExtension.results.clear()
    application = create_app(settings, clock=clock, schema_extensions=[CountingExtension])
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            client.app = application  # type: ignore[attr-defined]
            yield client


async def test_a_third_party_extension_runs_for_writes_and_reads(
    extended: httpx.AsyncClient,
) -> None:
    api = await Api.for_new_company(extended, extended.app.state.runtime)  # type: ignore[attr-defined]

    created = await api.create_debt(VALID_DEBT)
    assert created["__typename"] == "Debt"
    batch = await api.gql(CREATE_DEBTS, {"debts": [VALID_DEBT]})
    assert batch["data"]["createDebts"] == {
        "__typename": "DebtImport",
        "summary": {"created": 1},
    }
    listed = await api.gql("query Listing { debts(first: 5) { edges { node { id } } } }")
    assert len(listed["data"]["debts"]["edges"]) == 2

    assert CountingExtension.executed == ["CreateDebt", "Import", "Listing"]
    assert CountingExtension.results == [True, True, True]


async def test_a_document_refused_before_execution_does_not_execute(
    extended: httpx.AsyncClient,
) -> None:
    api = await Api.for_new_company(extended, extended.app.state.runtime)  # type: ignore[attr-defined]

    body = await api.gql("query Broken { debts(first: ) { edges { cursor } } }")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    body = await api.gql(CREATE_DEBT.replace("createDebt(", "createDept("), {"input": {}})
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert CountingExtension.executed == []
