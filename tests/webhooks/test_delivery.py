"""Delivering events to a real receiver on loopback: payloads, signatures, retries,
disabling, rotation, redelivery, and the outbox written with its change."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app.config import Settings
from app.domain.webhooks import EventType
from app.http.app import create_app
from app.runtime import Runtime
from app.services import webhook_events
from app.services.webhook_delivery import DeliveryWorker
from app.storage.models import Debt, WebhookEvent
from tests.utils.api import CREATE_DEBT, DEBT_FIELDS, VALID_DEBT, Api
from tests.utils.changes import change_status, erase_debt, update_debt
from tests.utils.clock import Clock
from tests.utils.receiver import Receiver
from tests.webhooks.conftest import create_endpoint, deliveries, worker_settings

CREATE_DEBTS = (
    """
mutation Import($debts: [CreateDebtsItemInput!]!) {
  createDebts(input: {debts: $debts, batchName: "March"}) {
    __typename
    ... on DebtImport { importId summary { total created failed }
      created { index debt {"""
    + DEBT_FIELDS
    + """} } }
  }
}
"""
)
ROTATE = """
mutation Rotate($id: ID!) {
  rotateWebhookSecret(id: $id) { ... on WebhookEndpointWithSecret { secret } }
}
"""
REDELIVER = """
mutation Redeliver($e: ID!, $p: ID!) { redeliverWebhookEvent(eventId: $e, endpointId: $p) }
"""
ENABLED = "query { webhookEndpoints { id enabled } }"


def verified(secret: str, received: Any) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(received.body, received.headers)
    return payload


async def subscribe(api: Api, receiver: Receiver, *events: str) -> tuple[str, str]:
    created = await create_endpoint(api, f"{receiver.url}/hooks", list(events))
    return created["endpoint"]["id"], created["secret"]


async def test_debt_created_is_delivered_signed_with_the_debt_as_graphql_reads_it(
    api: Api, fresh_receiver: Receiver, worker: DeliveryWorker
) -> None:
    endpoint_id, secret = await subscribe(api, fresh_receiver, "DEBT_CREATED")
    debt = await api.create_debt(
        VALID_DEBT | {"metadata": {"ref": 7}, "internalId": "A-1", "invoiceDate": "2025-01-02"}
    )
    await worker.drain()

    assert len(fresh_receiver.received) == 1
    received = fresh_receiver.received[0]
    assert received.path == "/hooks"
    payload = verified(secret, received)
    assert payload["type"] == "debt.created"
    datetime.fromisoformat(payload["timestamp"])
    assert payload["data"] == {key: value for key, value in debt.items() if key != "__typename"}
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(received.body, received.headers)

    [delivery] = await deliveries(api, endpoint_id)
    assert delivery["eventId"] == received.headers["webhook-id"]
    assert delivery["eventId"].startswith("evt_")
    assert delivery["eventType"] == "DEBT_CREATED"
    assert (delivery["status"], delivery["attempts"], delivery["lastHttpStatus"]) == (
        "SUCCEEDED",
        1,
        200,
    )
    assert delivery["nextAttemptAt"] is None and delivery["lastError"] is None


async def test_create_debts_sends_each_debt_and_one_import_summary(
    api: Api, fresh_receiver: Receiver, worker: DeliveryWorker
) -> None:
    _, secret = await subscribe(api, fresh_receiver, "DEBT_CREATED", "DEBT_IMPORT_COMPLETED")
    body = await api.gql(
        CREATE_DEBTS,
        {"debts": [VALID_DEBT, VALID_DEBT | {"amount": "-1"}, VALID_DEBT | {"lastname": "B"}]},
    )
    imported = body["data"]["createDebts"]
    await worker.drain()

    payloads = [verified(secret, r) for r in fresh_receiver.received]
    assert sorted(p["type"] for p in payloads) == [
        "debt.created",
        "debt.created",
        "debt_import.completed",
    ]
    debts = {item["debt"]["id"]: item["debt"] for item in imported["created"]}
    for payload in payloads:
        if payload["type"] == "debt.created":
            assert payload["data"] == debts[payload["data"]["id"]]
    [summary] = [p["data"] for p in payloads if p["type"] == "debt_import.completed"]
    assert summary == {
        "importId": imported["importId"],
        "batchName": "March",
        "summary": {"total": 3, "created": 2, "failed": 1},
        "debtIds": [item["debt"]["id"] for item in imported["created"]],
    }
    assert len(set(fresh_receiver.ids())) == 3


async def test_only_subscribed_types_are_sent_and_others_companies_never(
    api: Api, fresh_receiver: Receiver, worker: DeliveryWorker, runtime: Runtime
) -> None:
    await subscribe(api, fresh_receiver, "DEBT_IMPORT_COMPLETED")
    await api.create_debt(VALID_DEBT)  # not subscribed: no event at all
    other = await Api.for_new_company(api.http, runtime)
    await other.create_debt(VALID_DEBT)
    await worker.drain()
    assert fresh_receiver.received == []
    async with runtime.engine.connect() as connection:
        count = (
            await connection.execute(select(func.count()).select_from(WebhookEvent))
        ).scalar_one()
    await api.gql(CREATE_DEBTS, {"debts": [VALID_DEBT]})
    await worker.drain()
    assert [json.loads(r.body)["type"] for r in fresh_receiver.received] == [
        "debt_import.completed"
    ]
    async with runtime.engine.connect() as connection:
        after = (
            await connection.execute(select(func.count()).select_from(WebhookEvent))
        ).scalar_one()
    assert after == count + 1


async def test_500_timeout_redirect_then_success(
    api: Api, fresh_receiver: Receiver, worker: DeliveryWorker
) -> None:
    endpoint_id, secret = await subscribe(api, fresh_receiver, "DEBT_CREATED")
    fresh_receiver.reset(500, "timeout", "redirect", 200)
    await api.create_debt(VALID_DEBT)
    await worker.drain()

    ids = fresh_receiver.ids()
    assert len(ids) == 4 and len(set(ids)) == 1  # one event id for life
    assert all(r.path == "/hooks" for r in fresh_receiver.received)  # the 302 not followed
    verified(secret, fresh_receiver.received[-1])
    [delivery] = await deliveries(api, endpoint_id)
    assert (delivery["status"], delivery["attempts"], delivery["lastHttpStatus"]) == (
        "SUCCEEDED",
        4,
        200,
    )


async def test_retries_follow_the_schedule_then_fail(
    api: Api,
    fresh_receiver: Receiver,
    runtime: Runtime,
    settings: Settings,
    clock: Clock,
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    clock.set(start)
    worker = DeliveryWorker(
        runtime.engine,
        worker_settings(settings, webhook_retry_schedule="60,600"),
        runtime.webhook_secrets,
        clock,
    )
    try:
        endpoint_id, _ = await subscribe(api, fresh_receiver, "DEBT_CREATED")
        fresh_receiver.reset(503, 503, 503)
        await api.create_debt(VALID_DEBT)
        await worker.drain()
        [delivery] = await deliveries(api, endpoint_id)
        assert (delivery["status"], delivery["attempts"], delivery["lastHttpStatus"]) == (
            "RETRYING",
            1,
            503,
        )
        assert delivery["lastError"] == "HTTP 503"
        assert datetime.fromisoformat(delivery["nextAttemptAt"]) == start + timedelta(seconds=60)

        clock.set(start + timedelta(seconds=59))
        await worker.drain()
        assert len(fresh_receiver.received) == 1  # not due yet
        clock.set(start + timedelta(seconds=60))
        await worker.drain()
        assert len(fresh_receiver.received) == 2
        [delivery] = await deliveries(api, endpoint_id)
        assert datetime.fromisoformat(delivery["nextAttemptAt"]) == start + timedelta(seconds=660)

        clock.set(start + timedelta(seconds=660))
        await worker.drain()
        [delivery] = await deliveries(api, endpoint_id)
        assert (delivery["status"], delivery["attempts"], delivery["nextAttemptAt"]) == (
            "FAILED",
            3,
            None,
        )
        clock.set(start + timedelta(days=1))
        await worker.drain()
        assert len(fresh_receiver.received) == 3
        # Kept: at most 1 KiB of the 5,000-byte answer.
        assert len(fresh_receiver.received[0].body) > 0
    finally:
        await worker.close()


async def test_an_endpoint_failing_for_five_days_is_disabled(
    api: Api,
    fresh_receiver: Receiver,
    runtime: Runtime,
    settings: Settings,
    clock: Clock,
) -> None:
    start = datetime.now(UTC)
    clock.set(start)
    worker = DeliveryWorker(
        runtime.engine,
        worker_settings(settings, webhook_retry_schedule="86400,86400,86400,86400,86400,86400"),
        runtime.webhook_secrets,
        clock,
    )
    try:
        endpoint_id, _ = await subscribe(api, fresh_receiver, "DEBT_CREATED")
        fresh_receiver.reset(*([500] * 10))
        await api.create_debt(VALID_DEBT)
        for day in range(6):
            clock.set(start + timedelta(days=day, seconds=1))
            await worker.drain()
            clock.reset()  # the API's token lives an hour of the clock
            enabled = (await api.gql(ENABLED))["data"]["webhookEndpoints"][0]["enabled"]
            assert enabled is (day < 5), day
        assert len(fresh_receiver.received) == 6
        # Disabled: nothing more is sent, even once due.
        await api.create_debt(VALID_DEBT)
        clock.set(start + timedelta(days=7))
        await worker.drain()
        clock.reset()
        assert len(fresh_receiver.received) == 6
        statuses = {d["status"] for d in await deliveries(api, endpoint_id)}
        assert statuses == {"FAILED"}
    finally:
        await worker.close()


async def test_a_success_restarts_the_failure_window(
    api: Api,
    fresh_receiver: Receiver,
    runtime: Runtime,
    settings: Settings,
    clock: Clock,
) -> None:
    start = datetime.now(UTC)
    clock.set(start)
    worker = DeliveryWorker(
        runtime.engine,
        worker_settings(settings, webhook_retry_schedule="0"),
        runtime.webhook_secrets,
        clock,
    )
    try:
        await subscribe(api, fresh_receiver, "DEBT_CREATED")
        fresh_receiver.reset(500, 200, 500, 500)
        await api.create_debt(VALID_DEBT)
        await worker.drain()  # fails, then succeeds
        clock.reset()
        await api.create_debt(VALID_DEBT)
        clock.set(start + timedelta(days=6))
        await worker.drain()  # fails twice, six days after the first failure
        clock.reset()
        enabled = (await api.gql(ENABLED))["data"]["webhookEndpoints"][0]["enabled"]
        assert enabled is True
    finally:
        await worker.close()


async def test_rotation_signs_with_both_secrets_during_the_overlap(
    api: Api,
    fresh_receiver: Receiver,
    runtime: Runtime,
    settings: Settings,
    clock: Clock,
    worker: DeliveryWorker,
) -> None:
    endpoint_id, old = await subscribe(api, fresh_receiver, "DEBT_CREATED")
    new = (await api.gql(ROTATE, {"id": endpoint_id}))["data"]["rotateWebhookSecret"]["secret"]
    await api.create_debt(VALID_DEBT)
    await worker.drain()
    [received] = fresh_receiver.received
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    assert verified(old, received) == verified(new, received)

    await api.create_debt(VALID_DEBT)
    clock.set(datetime.now(UTC) + timedelta(hours=24, seconds=1))
    await worker.drain()
    late = fresh_receiver.received[1]
    signatures = late.headers["webhook-signature"].split(" ")
    assert len(signatures) == 1
    timestamp = datetime.fromtimestamp(int(late.headers["webhook-timestamp"]), UTC)
    assert signatures[0] == Webhook(new).sign(late.headers["webhook-id"], timestamp, late.body)


async def test_redeliver_sends_the_same_event_again(
    api: Api, fresh_receiver: Receiver, worker: DeliveryWorker
) -> None:
    endpoint_id, secret = await subscribe(api, fresh_receiver, "DEBT_CREATED")
    await api.create_debt(VALID_DEBT)
    await worker.drain()
    [first] = await deliveries(api, endpoint_id)
    body = await api.gql(REDELIVER, {"e": first["eventId"], "p": endpoint_id})
    assert body["data"] == {"redeliverWebhookEvent": True}
    await worker.drain()
    assert fresh_receiver.ids() == [first["eventId"]] * 2
    assert verified(secret, fresh_receiver.received[0]) == verified(
        secret, fresh_receiver.received[1]
    )
    listed = await deliveries(api, endpoint_id)
    assert [d["status"] for d in listed] == ["SUCCEEDED", "SUCCEEDED"]
    assert listed[1]["id"] == first["id"]  # newest first


async def test_deliveries_are_paged_and_filtered(
    api: Api, fresh_receiver: Receiver, worker: DeliveryWorker
) -> None:
    endpoint_id, _ = await subscribe(api, fresh_receiver, "DEBT_CREATED")
    fresh_receiver.reset(200, 200, 500)
    for _ in range(3):
        await api.create_debt(VALID_DEBT)
    await worker.drain()
    body = await api.gql(
        """query($id: ID!, $after: String) { webhookDeliveries(endpointId: $id, first: 2,
        after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }""",
        {"id": endpoint_id},
    )
    page = body["data"]["webhookDeliveries"]
    assert len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"] is True
    body = await api.gql(
        """query($id: ID!, $after: String) { webhookDeliveries(endpointId: $id, first: 2,
        after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }""",
        {"id": endpoint_id, "after": page["pageInfo"]["endCursor"]},
    )
    rest = body["data"]["webhookDeliveries"]
    assert len(rest["edges"]) == 1 and rest["pageInfo"]["hasNextPage"] is False
    seen = [e["node"]["id"] for e in page["edges"] + rest["edges"]]
    assert len(set(seen)) == 3  # a retry is another attempt of the same delivery
    succeeded = await deliveries(api, endpoint_id, status="SUCCEEDED")
    assert sorted(d["attempts"] for d in succeeded) == [1, 1, 2]
    assert await deliveries(api, endpoint_id, status="RETRYING") == []
    body = await api.gql(
        'query($id: ID!) { webhookDeliveries(endpointId: $id, after: "bad") { edges { cursor } } }',
        {"id": endpoint_id},
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    body = await api.gql(
        "query($id: ID!) { webhookDeliveries(endpointId: $id, first: 101) { edges { cursor } } }",
        {"id": endpoint_id},
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_the_event_is_written_in_the_transaction_of_its_change(
    api: Api, fresh_receiver: Receiver, runtime: Runtime
) -> None:
    """A change that rolls back leaves no event; one that commits leaves exactly one."""
    await subscribe(api, fresh_receiver, "DEBT_CREATED")
    tenant = await runtime.tenants.find(api.company_id)
    assert tenant is not None

    async def events_and_debts() -> tuple[int, int]:
        async with runtime.engine.connect() as connection:
            events = await connection.execute(
                select(func.count())
                .select_from(WebhookEvent)
                .where(WebhookEvent.company_id == tenant.id)  # type: ignore[arg-type]
            )
            debts = await connection.execute(
                select(func.count()).select_from(Debt).where(Debt.company_id == tenant.id)  # type: ignore[arg-type]
            )
            return events.scalar_one(), debts.scalar_one()

    class Crash(Exception):
        pass

    with pytest.raises(Crash):
        async with runtime.engine.begin() as connection:
            written = await webhook_events.queue_event(
                connection, tenant.id, EventType.DEBT_CREATED, {"id": "x"}, runtime.clock()
            )
            assert written is not None
            raise Crash  # the change fails after its event was queued
    assert await events_and_debts() == (0, 0)

    await api.create_debt(VALID_DEBT)
    await api.create_debt(VALID_DEBT, key="same-key")
    await api.create_debt(VALID_DEBT, key="same-key")  # a replay: no second debt, no event
    body = await api.gql(CREATE_DEBT, {"input": VALID_DEBT | {"amount": "0"}})
    assert body["data"]["createDebt"]["__typename"] == "ValidationError"
    assert await events_and_debts() == (2, 2)


async def test_the_server_delivers_by_itself_when_its_worker_is_on(
    api: Api, fresh_receiver: Receiver, settings: Settings, clock: Clock
) -> None:
    """What each `serve` worker process runs: the application with its delivery worker."""
    endpoint_id, secret = await subscribe(api, fresh_receiver, "DEBT_CREATED")
    application = create_app(
        worker_settings(settings, webhook_poll_seconds=0.05), clock=clock, deliver_webhooks=True
    )

    def ours() -> list[str]:  # its worker also takes what other tests left due
        return [r.headers["webhook-id"] for r in fresh_receiver.received if r.path == "/mine"]

    await api.gql(
        "mutation($id: ID!, $url: String) { updateWebhookEndpoint(id: $id, url: $url) "
        "{ __typename } }",
        {"id": endpoint_id, "url": f"{fresh_receiver.url}/mine"},
    )
    async with application.router.lifespan_context(application):
        await api.create_debt(VALID_DEBT)
        for _ in range(200):
            if ours():
                break
            await asyncio.sleep(0.05)
    [received] = [r for r in fresh_receiver.received if r.path == "/mine"]
    assert verified(secret, received)["type"] == "debt.created"
    [delivery] = await deliveries(api, endpoint_id)
    assert (delivery["status"], delivery["eventId"]) == ("SUCCEEDED", ours()[0])


async def test_an_endpoint_gets_the_very_next_debt_after_its_creation(
    api: Api, fresh_receiver: Receiver, worker: DeliveryWorker
) -> None:
    """The process remembers briefly that a company wants no events; creating an endpoint
    makes it forget at once."""
    await api.create_debt(VALID_DEBT)  # no endpoint yet: nothing queued, and remembered
    _, secret = await subscribe(api, fresh_receiver, "DEBT_CREATED")
    debt = await api.create_debt(VALID_DEBT)
    await worker.drain()
    [received] = fresh_receiver.received
    assert verified(secret, received)["data"]["id"] == debt["id"]


async def test_each_change_of_a_debt_is_delivered_as_graphql_reads_it_then(
    api: Api, fresh_receiver: Receiver, worker: DeliveryWorker
) -> None:
    _, secret = await subscribe(
        api, fresh_receiver, "DEBT_UPDATED", "DEBT_STATUS_CHANGED", "DEBT_ERASED"
    )
    debt = await api.create_debt(VALID_DEBT)  # not subscribed: no debt.created
    answers = []
    # Each delivered before the next change: erasure blanks what is still to be sent.
    for change in (
        update_debt(api, debt["id"], {"city": "Lyon"}),
        change_status(api, debt["id"], "ON_HOLD"),
        erase_debt(api, debt["id"]),
    ):
        answers.append(await change)
        await worker.drain()

    payloads = [verified(secret, received) for received in fresh_receiver.received]
    assert [p["type"] for p in payloads] == ["debt.updated", "debt.status_changed", "debt.erased"]
    for payload, answer in zip(payloads, answers, strict=True):
        assert payload["data"] == {key: v for key, v in answer.items() if key != "__typename"}
    assert [p["data"]["version"] for p in payloads] == [2, 3, 4]
    assert payloads[2]["data"]["firstname"] == "[erased]"
    assert payloads[2]["data"]["phone"] is None


async def test_erasure_leaves_no_personal_value_in_the_outbox(api: Api) -> None:
    await create_endpoint(api, "https://receiver.example/hooks", ["DEBT_CREATED", "DEBT_UPDATED"])
    personal = {
        "firstname": "Wilhelmina",
        "lastname": "Quaternion",
        "email": "wilhelmina.quaternion@example.org",
        "phone": "0687654321",
        "iban": "FR1420041010050500013M02606",
        "city": "Montauban-de-Luchon",
    }
    debt = await api.create_debt({**VALID_DEBT, **personal})
    await update_debt(api, debt["id"], {"address": "17 rue des Écureuils"})
    await erase_debt(api, debt["id"])

    async with api.runtime.engine.connect() as connection:
        bodies = (await connection.execute(select(WebhookEvent.__table__.c.body))).scalars().all()  # type: ignore[attr-defined]
    mine = [body for body in bodies if debt["id"] in body]
    assert len(mine) == 2  # debt.created and debt.updated, kept, and blanked
    for value in [*personal.values(), "0687654321".lstrip("0"), "Écureuils"]:
        assert not [body for body in mine if value in body], value
    assert all(json.loads(body)["data"]["firstname"] == "[erased]" for body in mine)
