"""Webhook fixtures: a receiver on loopback, endpoints through the API, a delivery worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from app.config import Settings
from app.runtime import Runtime
from app.services.webhook_delivery import DeliveryWorker
from tests.utils.api import Api
from tests.utils.receiver import Receiver, running_receiver

ENDPOINT_FIELDS = "id url events description enabled createdAt"

CREATE_ENDPOINT = f"""
mutation Create($url: String!, $events: [WebhookEventType!]!, $description: String) {{
  createWebhookEndpoint(url: $url, events: $events, description: $description) {{
    __typename
    ... on WebhookEndpointWithSecret {{ secret endpoint {{ {ENDPOINT_FIELDS} }} }}
    ... on ValidationError {{ message fields {{ field code message }} }}
  }}
}}
"""

DELIVERIES = """
query Deliveries($endpointId: ID!, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $endpointId, status: $status, first: $first, after: $after) {
    edges { cursor node {
      id eventId eventType status attempts lastHttpStatus lastError nextAttemptAt createdAt
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

DELETE_ENDPOINT = "mutation Delete($id: ID!) { deleteWebhookEndpoint(id: $id) }"


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture
def fresh_receiver(receiver: Receiver) -> Receiver:
    receiver.reset()
    return receiver


def worker_settings(settings: Settings, **overrides: Any) -> Settings:
    values = settings.model_dump() | {
        "webhook_retry_schedule": "0,0,0,0,0,0,0",
        "webhook_timeout_seconds": 1.0,
    }
    return Settings(**(values | overrides))


@pytest.fixture
async def worker(runtime: Runtime, settings: Settings) -> AsyncIterator[DeliveryWorker]:
    """A delivery worker on the suite's database: no delay between retries, 1 s timeouts."""
    deliverer = DeliveryWorker(
        runtime.engine, worker_settings(settings), runtime.webhook_secrets, runtime.clock
    )
    yield deliverer
    await deliverer.close()


async def create_endpoint(
    api: Api, url: str, events: list[str], description: str | None = None
) -> dict[str, Any]:
    body = await api.gql(
        CREATE_ENDPOINT, {"url": url, "events": events, "description": description}
    )
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["createWebhookEndpoint"]
    return result


async def deliveries(api: Api, endpoint_id: str, **variables: Any) -> list[dict[str, Any]]:
    body = await api.gql(DELIVERIES, {"endpointId": endpoint_id, **variables})
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["webhookDeliveries"]["edges"]]


async def delete_endpoint(api: Api, endpoint_id: str) -> bool:
    body = await api.gql(DELETE_ENDPOINT, {"id": endpoint_id})
    assert "errors" not in body, body
    return bool(body["data"]["deleteWebhookEndpoint"])
