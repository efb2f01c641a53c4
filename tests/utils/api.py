"""Talking to the server as an integrator does: get a token, send GraphQL over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import col

from app.runtime import Runtime
from app.storage.models import Company, Debt
from tests.utils.factories import make_client, make_company

# Every field of a Debt.
DEBT_FIELDS = """
      id status civility firstname lastname phone email birthdate amount amountText currency
      object internalId invoiceReference debtorReference invoiceDate dueDate address
      streetAddress streetNumber postalCode city country iban company debtorCompany
      paymentLink metadata timelineId timelineStartMode timelineStartAt
      destination { country tier creditsPerCall multiplier expensive }
      nbReminders nbAnswered followupsCount summary importDate version erasedAt
"""

CREATE_DEBT = (
    """
mutation CreateDebt($input: CreateDebtInput!, $key: String) {
  createDebt(input: $input, idempotencyKey: $key) {
    __typename
    ... on Debt {"""
    + DEBT_FIELDS
    + """    }
    ... on ValidationError { message fields { field code message } }
    ... on ExpensiveDestinationError {
      message
      # Debt.destination is nullable and this one is not: GraphQL needs an alias here.
      expensiveDestination: destination { country tier creditsPerCall multiplier expensive }
    }
  }
}
"""
)

DEBT = """
query Debt($id: ID!) {
  debt(id: $id) {
    id status firstname lastname phone email amount amountText currency timelineId
    timelineStartMode timelineStartAt importDate metadata iban birthdate
    destination { country tier creditsPerCall multiplier expensive }
  }
}
"""

VALID_DEBT: dict[str, Any] = {
    "firstname": "Jean",
    "lastname": "Dupont",
    "phone": "0612345678",
    "amount": "1250.00",
    "currency": "EUR",
}


async def fetch_token(
    http: httpx.AsyncClient, client_id: str, client_secret: str, scope: str | None = None
) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
    }
    if scope is not None:
        form["scope"] = scope
    response = await http.post("/token", data=form)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@dataclass
class Api:
    http: httpx.AsyncClient
    runtime: Runtime
    company_id: str
    token: str

    @classmethod
    async def for_new_company(
        cls, http: httpx.AsyncClient, runtime: Runtime, *, timezone: str = "Europe/Paris"
    ) -> Api:
        company = await make_company(runtime, timezone=timezone)
        client = await make_client(runtime, company.company_id)
        token = await fetch_token(http, client.client_id, client.client_secret)
        return cls(http, runtime, company.company_id, token)

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = ""
    ) -> httpx.Response:
        bearer = self.token if token == "" else token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = ""
    ) -> dict[str, Any]:
        response = await self.post(query, variables, token=token)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def create_debt(self, debt: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        body = await self.gql(CREATE_DEBT, {"input": debt, "key": key})
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"]["createDebt"]
        return result

    async def debt(self, debt_id: str) -> dict[str, Any] | None:
        body = await self.gql(DEBT, {"id": debt_id})
        assert "errors" not in body, body
        found: dict[str, Any] | None = body["data"]["debt"]
        return found

    async def debt_count(self) -> int:
        async with self.runtime.engine.connect() as connection:
            count = await connection.scalar(
                select(func.count())
                .select_from(Debt)
                .join(Company, Company.id == Debt.company_id)  # type: ignore[arg-type]
                .where(col(Company.public_id) == self.company_id)
            )
        return int(count or 0)
