"""createDebt's idempotencyKey (SPEC section 8): retries return the first debt, never a second."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app.domain.idempotency import KeyPolicy, fingerprint
from app.graphql.debts.inputs import CreateDebtInput
from app.runtime import Runtime
from app.services.idempotency import CREATE_DEBT as OPERATION
from app.services.idempotency import Claimed, KeyedRequest, claim_key
from app.services.tenants import Scope
from app.storage.models import Company, IdempotencyKey
from tests.utils.api import CREATE_DEBT, VALID_DEBT, Api, fetch_token
from tests.utils.clock import Clock
from tests.utils.factories import make_client
from tests.utils.live import live_server
from tests.utils.timelines import timeline_id

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
VALID_INPUT = CreateDebtInput(  # VALID_DEBT as the resolver receives it
    firstname="Jean",
    lastname="Dupont",
    phone="0612345678",
    amount=Decimal("1250.00"),
    currency="EUR",
)


async def key_count(runtime: Runtime, company_id: str | None = None) -> int:
    """Idempotency key rows of one company (or of all companies)."""
    query = select(func.count()).select_from(IdempotencyKey)
    if company_id is not None:
        query = query.join(Company, col(Company.id) == IdempotencyKey.company_id).where(
            col(Company.public_id) == company_id
        )
    async with runtime.engine.connect() as connection:
        return int(await connection.scalar(query) or 0)


def error_code(body: dict[str, Any]) -> str:
    assert body["data"] is None, body
    [error] = body["errors"]
    assert set(error) == {"message", "locations", "path", "extensions"}, error
    code: str = error["extensions"]["code"]
    return code


async def test_same_key_and_input_returns_the_first_debt(api: Api) -> None:
    first = await api.create_debt(VALID_DEBT, key="order-42")
    again = await api.create_debt(VALID_DEBT, key="order-42")

    assert first["__typename"] == "Debt"
    assert again == first
    assert await api.debt_count() == 1


async def test_field_and_metadata_key_order_do_not_change_the_input(api: Api) -> None:
    debt = {**VALID_DEBT, "metadata": {"source": "erp", "nested": {"a": 1, "b": [1, 2]}}}
    reordered = dict(reversed(list(debt.items())))
    reordered["metadata"] = {"nested": {"b": [1, 2], "a": 1}, "source": "erp"}

    first = await api.create_debt(debt, key="k")
    again = await api.create_debt(reordered, key="k")

    assert again["id"] == first["id"]
    assert await api.debt_count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "1250.01"},
        {"firstname": "Jeanne"},
        {"email": "jean@example.com"},
        {"metadata": {"source": "erp"}},
        {"acceptExpensiveDestination": True},
    ],
)
async def test_same_key_with_another_input_is_a_conflict(api: Api, change: dict[str, Any]) -> None:
    first = await api.create_debt(VALID_DEBT, key="order-42")

    body = await api.gql(CREATE_DEBT, {"input": {**VALID_DEBT, **change}, "key": "order-42"})

    assert error_code(body) == "IDEMPOTENCY_CONFLICT"
    assert await api.debt_count() == 1
    assert await api.debt(first["id"]) is not None
    # The key still answers for its first input.
    assert (await api.create_debt(VALID_DEBT, key="order-42"))["id"] == first["id"]


async def test_key_stays_free_after_a_validation_error(api: Api) -> None:
    refused = await api.create_debt({**VALID_DEBT, "amount": "-1"}, key="k")
    assert refused["__typename"] == "ValidationError"

    created = await api.create_debt(VALID_DEBT, key="k")

    assert created["__typename"] == "Debt"
    assert await api.debt_count() == 1


async def test_key_stays_free_after_an_expensive_destination_error(api: Api) -> None:
    expensive = {**VALID_DEBT, "phone": "+262692123456"}
    refused = await api.create_debt(expensive, key="k")
    assert refused["__typename"] == "ExpensiveDestinationError"

    accepted = await api.create_debt({**expensive, "acceptExpensiveDestination": True}, key="k")

    assert accepted["__typename"] == "Debt"
    assert await api.debt_count() == 1


async def test_key_stays_free_after_auth_errors(api: Api) -> None:
    read_only = await make_client(api.runtime, api.company_id, scopes=(Scope.DEBTS_READ.value,))
    read_token = await fetch_token(api.http, read_only.client_id, read_only.client_secret)
    variables = {"input": VALID_DEBT, "key": "k"}

    assert error_code(await api.gql(CREATE_DEBT, variables, token=None)) == "UNAUTHENTICATED"
    assert error_code(await api.gql(CREATE_DEBT, variables, token="garbage")) == "UNAUTHENTICATED"
    assert error_code(await api.gql(CREATE_DEBT, variables, token=read_token)) == "FORBIDDEN"
    assert await key_count(api.runtime, api.company_id) == 0

    created = await api.create_debt({**VALID_DEBT, "firstname": "Other"}, key="k")
    assert created["__typename"] == "Debt"
    assert await api.debt_count() == 1


@pytest.mark.parametrize(
    ("key", "code"),
    [("", "REQUIRED"), ("   ", "REQUIRED"), ("k" * 256, "TOO_LONG"), ("a\x00b", "INVALID_VALUE")],
)
async def test_refused_keys_are_validation_errors(api: Api, key: str, code: str) -> None:
    refused = await api.create_debt(VALID_DEBT, key=key)

    assert refused["__typename"] == "ValidationError"
    assert [(f["field"], f["code"]) for f in refused["fields"]] == [("idempotencyKey", code)]
    assert await api.debt_count() == 0
    assert await key_count(api.runtime, api.company_id) == 0


async def test_a_refused_key_is_reported_with_the_inputs_other_errors(api: Api) -> None:
    refused = await api.create_debt({**VALID_DEBT, "firstname": "", "amount": "0"}, key=" ")

    assert [(f["field"], f["code"]) for f in refused["fields"]] == [
        ("firstname", "REQUIRED"),
        ("amount", "INVALID_AMOUNT"),
        ("idempotencyKey", "REQUIRED"),
    ]


async def test_a_refused_key_comes_before_the_expensive_destination_guard(api: Api) -> None:
    refused = await api.create_debt({**VALID_DEBT, "phone": "+262692123456"}, key="")

    assert refused["__typename"] == "ValidationError"


async def test_a_key_of_255_characters_is_accepted_and_trimmed(api: Api) -> None:
    key = "k" * 255
    first = await api.create_debt(VALID_DEBT, key=key)
    again = await api.create_debt(VALID_DEBT, key=f"  {key}  ")

    assert first["__typename"] == "Debt"
    assert again["id"] == first["id"]


async def test_without_a_key_every_request_creates_a_debt(api: Api) -> None:
    first = await api.create_debt(VALID_DEBT)
    second = await api.create_debt(VALID_DEBT)

    assert first["id"] != second["id"]
    assert await api.debt_count() == 2
    assert await key_count(api.runtime, api.company_id) == 0


async def test_keys_are_scoped_to_the_company(api: Api) -> None:
    other = await Api.for_new_company(api.http, api.runtime)

    mine = await api.create_debt(VALID_DEBT, key="shared-key")
    theirs = await other.create_debt({**VALID_DEBT, "amount": "99.00"}, key="shared-key")

    assert theirs["__typename"] == "Debt"
    assert theirs["id"] != mine["id"]
    assert (await api.debt_count(), await other.debt_count()) == (1, 1)


async def test_a_key_expires_after_its_retention(api: Api, clock: Clock) -> None:
    retention = api.runtime.settings.key_policy.retention
    assert retention == timedelta(hours=24)
    clock.set(T0)
    first = await api.create_debt(VALID_DEBT, key="k")

    clock.set(T0 + retention - timedelta(seconds=1))
    assert (await api.create_debt(VALID_DEBT, key="k"))["id"] == first["id"]
    body = await api.gql(CREATE_DEBT, {"input": {**VALID_DEBT, "amount": "1.00"}, "key": "k"})
    assert error_code(body) == "IDEMPOTENCY_CONFLICT"

    clock.set(T0 + retention)
    renewed = await api.create_debt({**VALID_DEBT, "amount": "1.00"}, key="k")
    assert renewed["__typename"] == "Debt"
    assert renewed["id"] != first["id"]
    assert await api.debt_count() == 2
    # The new use of the key starts a new retention period.
    clock.set(T0 + 2 * retention - timedelta(seconds=1))
    assert (await api.create_debt({**VALID_DEBT, "amount": "1.00"}, key="k"))["id"] == renewed["id"]


async def test_an_expired_key_reused_with_a_timeline_answers_the_new_debt_once(
    api: Api, clock: Clock
) -> None:
    """Reclaiming an expired key rolls nothing back under the timeline read before it."""
    retention = api.runtime.settings.key_policy.retention
    timeline = await timeline_id(api)
    debt = {**VALID_DEBT, "timelineId": timeline}
    clock.set(T0)
    first = await api.create_debt(debt, key="k")
    assert first["__typename"] == "Debt", first

    clock.set(T0 + retention)
    body = await api.gql(CREATE_DEBT, {"input": {**debt, "amount": "2.00"}, "key": "k"})
    assert "errors" not in body, body
    renewed = body["data"]["createDebt"]
    retried = await api.create_debt({**debt, "amount": "2.00"}, key="k")

    assert renewed["__typename"] == "Debt"
    assert renewed["id"] != first["id"]
    assert renewed["timelineId"] == timeline
    assert retried == renewed
    assert await api.debt_count() == 2
    assert await key_count(api.runtime, api.company_id) == 1


async def test_a_new_key_purges_expired_keys_of_any_company(api: Api, clock: Clock) -> None:
    other = await Api.for_new_company(api.http, api.runtime)
    clock.set(T0)
    await other.create_debt(VALID_DEBT, key="old-1")
    await other.create_debt(VALID_DEBT, key="old-2")
    assert await key_count(api.runtime, other.company_id) == 2

    clock.set(T0 + timedelta(days=2))
    await api.create_debt(VALID_DEBT, key="new")

    assert await key_count(api.runtime, other.company_id) == 0
    assert await key_count(api.runtime, api.company_id) == 1
    assert await other.debt_count() == 2  # only the keys go; their debts stay


async def test_purge_command_deletes_expired_keys(api: Api, clock: Clock) -> None:
    await api.create_debt(VALID_DEBT, key="fresh")
    clock.set(datetime.now(UTC) - timedelta(days=3))
    await api.create_debt(VALID_DEBT, key="old")
    clock.reset()
    assert await key_count(api.runtime, api.company_id) == 2

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "purge-idempotency-keys",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "DATABASE_URL": api.runtime.settings.database_url},
    )
    async with asyncio.timeout(60):
        stdout, stderr = await process.communicate()

    assert process.returncode == 0, stderr.decode()
    assert json.loads(stdout)["purged"] >= 1
    assert await key_count(api.runtime, api.company_id) == 1
    async with api.runtime.engine.connect() as connection:
        expired = await connection.scalar(
            select(func.count())
            .select_from(IdempotencyKey)
            .where(col(IdempotencyKey.expires_at) <= datetime.now(UTC))
        )
    assert expired == 0


async def test_a_key_claimed_without_a_result_is_in_progress(api: Api) -> None:
    # A two-step writer (claim now, record the result later) leaves result_ref null meanwhile.
    async with api.runtime.sessions() as session:
        tenant = await api.runtime.tenants.find(api.company_id)
        assert tenant is not None
        claimed = await claim_key(
            session,
            company_id=tenant.id,
            request=KeyedRequest(OPERATION, "busy", fingerprint(VALID_INPUT.to_domain())),
            result_ref=None,
            now=datetime.now(UTC),
            policy=KeyPolicy(),
        )
        assert claimed == Claimed()
        await session.commit()

    body = await api.gql(CREATE_DEBT, {"input": VALID_DEBT, "key": "busy"})

    assert error_code(body) == "IDEMPOTENCY_IN_PROGRESS"
    assert await api.debt_count() == 0


async def test_concurrent_requests_with_one_key_create_one_debt(api: Api) -> None:
    """20 requests at once against a live server: one debt, and every answer carries its id."""
    settings = api.runtime.settings
    with live_server(settings.database_url, settings.secret_key) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as live:
            caller = await Api.for_new_company(live, api.runtime)
            variables = {"input": VALID_DEBT, "key": "retry-storm"}
            async with asyncio.timeout(60):
                bodies = await asyncio.gather(
                    *(caller.gql(CREATE_DEBT, variables) for _ in range(20))
                )
        assert server.is_running(), server.log()

    ids = {body["data"]["createDebt"]["id"] for body in bodies if "errors" not in body}
    assert [body for body in bodies if "errors" in body] == []
    assert len(ids) == 1
    assert await caller.debt_count() == 1


async def test_concurrent_requests_with_an_expired_key_create_one_new_debt(
    api: Api, clock: Clock
) -> None:
    """20 requests at once reusing an expired key: one new debt, every answer carries it."""
    settings = api.runtime.settings
    with live_server(settings.database_url, settings.secret_key) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as live:
            caller = await Api.for_new_company(live, api.runtime)
            here = Api(api.http, api.runtime, caller.company_id, caller.token)
            clock.set(datetime.now(UTC) - 2 * settings.key_policy.retention)
            first = await here.create_debt(VALID_DEBT, key="reused")  # expired since
            clock.reset()
            variables = {"input": VALID_DEBT, "key": "reused"}
            async with asyncio.timeout(60):
                bodies = await asyncio.gather(
                    *(caller.gql(CREATE_DEBT, variables) for _ in range(20))
                )
        assert server.is_running(), server.log()

    assert [body for body in bodies if "errors" in body] == []
    ids = {body["data"]["createDebt"]["id"] for body in bodies}
    assert len(ids) == 1
    assert first["id"] not in ids
    assert await caller.debt_count() == 2
    assert await key_count(api.runtime, caller.company_id) == 1
