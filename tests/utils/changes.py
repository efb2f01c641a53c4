"""Talking to the after-intake mutations (SPEC section 11) as an integrator does."""

from __future__ import annotations

from typing import Any

from app.domain.debts import DebtStatus
from app.services.debt_changes import OPERATOR, change_debt_status
from app.storage.debts import StoredDebt
from tests.utils.api import DEBT_FIELDS, Api

_VALIDATION = "... on ValidationError { message fields { field code message } }"
_EXPENSIVE = """... on ExpensiveDestinationError {
      message
      expensiveDestination: destination { country tier creditsPerCall multiplier expensive }
    }"""
_NOT_FOUND = "... on DebtNotFound { message }"
_LOCKED = "... on DebtLocked { message lockedStatus: status }"
_CONFLICT = "... on VersionConflict { message currentVersion }"
_TRANSITION = "... on InvalidStatusTransition { message from to allowed }"

_DEBT = "... on Debt {" + DEBT_FIELDS + "}"

UPDATE_DEBT = f"""
mutation UpdateDebt($id: ID!, $input: UpdateDebtInput!, $expectedVersion: Int) {{
  updateDebt(id: $id, input: $input, expectedVersion: $expectedVersion) {{
    __typename {_DEBT} {_VALIDATION} {_EXPENSIVE} {_NOT_FOUND} {_LOCKED} {_CONFLICT}
  }}
}}
"""

CHANGE_DEBT_STATUS = f"""
mutation ChangeDebtStatus($id: ID!, $status: DebtStatus!, $reason: String,
                          $expectedVersion: Int) {{
  changeDebtStatus(id: $id, status: $status, reason: $reason,
                   expectedVersion: $expectedVersion) {{
    __typename {_DEBT} {_NOT_FOUND} {_TRANSITION} {_CONFLICT} {_VALIDATION}
  }}
}}
"""

ERASE_DEBT = f"""
mutation EraseDebt($id: ID!) {{
  eraseDebt(id: $id) {{ __typename {_DEBT} {_NOT_FOUND} }}
}}
"""

EVENTS = """
query Events($id: ID!, $first: Int, $after: String) {
  debt(id: $id) {
    version
    events(first: $first, after: $after) {
      edges { cursor node { id type at actor version reason changes { field from to } } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}
"""


async def _result(api: Api, query: str, variables: dict[str, Any], name: str) -> dict[str, Any]:
    body = await api.gql(query, variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][name]
    return result


async def update_debt(
    api: Api, debt_id: str, changes: dict[str, Any], expected_version: int | None = None
) -> dict[str, Any]:
    variables = {"id": debt_id, "input": changes, "expectedVersion": expected_version}
    return await _result(api, UPDATE_DEBT, variables, "updateDebt")


async def change_status(
    api: Api,
    debt_id: str,
    status: str,
    reason: str | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    variables = {
        "id": debt_id,
        "status": status,
        "reason": reason,
        "expectedVersion": expected_version,
    }
    return await _result(api, CHANGE_DEBT_STATUS, variables, "changeDebtStatus")


async def erase_debt(api: Api, debt_id: str) -> dict[str, Any]:
    return await _result(api, ERASE_DEBT, {"id": debt_id}, "eraseDebt")


async def events(api: Api, debt_id: str) -> list[dict[str, Any]]:
    """Every event of the debt, newest first (one page of up to 100)."""
    body = await api.gql(EVENTS, {"id": debt_id, "first": 100})
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["debt"]["events"]["edges"]]


async def set_status_as_operator(api: Api, debt_id: str, status: str) -> None:
    """What `debt-api set-debt-status` does, for statuses only the workflow sets."""
    outcome = await change_debt_status(
        api.runtime.engine,
        company_id=None,
        actor=OPERATOR,
        public_id=debt_id,
        target=DebtStatus[status],
        reason=None,
        expected_version=None,
        transitions=None,
        policy=api.runtime.settings.intake_policy,
        clock=api.runtime.clock,
    )
    assert isinstance(outcome, StoredDebt), outcome
