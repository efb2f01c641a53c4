"""Webhook endpoints through GraphQL (SPEC section 12): secrets, limits, URLs, tenancy."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.config import Settings
from app.domain.webhooks import WebhookPolicy, url_error
from app.runtime import Runtime
from app.services.webhooks import address_problem
from app.storage.models import WebhookEndpoint
from tests.utils.api import Api, fetch_token
from tests.utils.factories import make_client
from tests.webhooks.conftest import CREATE_ENDPOINT, ENDPOINT_FIELDS, create_endpoint, deliveries

LIST = f"query {{ webhookEndpoints {{ {ENDPOINT_FIELDS} }} }}"
UPDATE = f"""
mutation Update($id: ID!, $url: String, $events: [WebhookEventType!], $description: String,
                $enabled: Boolean) {{
  updateWebhookEndpoint(id: $id, url: $url, events: $events, description: $description,
                        enabled: $enabled) {{
    __typename
    ... on WebhookEndpoint {{ {ENDPOINT_FIELDS} }}
    ... on ValidationError {{ fields {{ field code }} }}
    ... on WebhookEndpointNotFound {{ message }}
  }}
}}
"""
UPDATE_URL_ONLY = """
mutation Update($id: ID!) {
  updateWebhookEndpoint(id: $id, enabled: false) {
    __typename ... on WebhookEndpoint { description enabled }
  }
}
"""
ROTATE = """
mutation Rotate($id: ID!) {
  rotateWebhookSecret(id: $id) {
    __typename
    ... on WebhookEndpointWithSecret { secret endpoint { id } }
    ... on WebhookEndpointNotFound { message }
  }
}
"""
DELETE = "mutation Delete($id: ID!) { deleteWebhookEndpoint(id: $id) }"
DELIVERIES_OF_X = 'query { webhookDeliveries(endpointId: "x") { edges { cursor } } }'
REDELIVER = """
mutation Redeliver($e: ID!, $p: ID!) { redeliverWebhookEvent(eventId: $e, endpointId: $p) }
"""


async def test_create_answers_the_secret_once_and_lists_without_it(
    api: Api, runtime: Runtime
) -> None:
    created = await create_endpoint(
        api, "http://127.0.0.1:9/hooks", ["DEBT_CREATED", "DEBT_IMPORT_COMPLETED"], " Mine "
    )
    assert created["__typename"] == "WebhookEndpointWithSecret"
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    endpoint = created["endpoint"]
    assert endpoint["id"].startswith("whep_")
    assert endpoint["url"] == "http://127.0.0.1:9/hooks"
    assert endpoint["events"] == ["DEBT_CREATED", "DEBT_IMPORT_COMPLETED"]
    assert endpoint["description"] == "Mine"
    assert endpoint["enabled"] is True

    listed = (await api.gql(LIST))["data"]["webhookEndpoints"]
    assert listed == [endpoint]
    # At rest the secret is encrypted: neither it nor its base64 body is in the row.
    async with runtime.engine.connect() as connection:
        stored = (await connection.execute(select(WebhookEndpoint.secret))).scalars().all()  # type: ignore[call-overload]
    assert all(secret not in row and secret[6:] not in row for row in stored)


async def test_update_changes_what_is_given_and_null_clears_description(api: Api) -> None:
    created = await create_endpoint(api, "http://127.0.0.1:9/a", ["DEBT_CREATED"], "note")
    endpoint_id = created["endpoint"]["id"]
    body = await api.gql(
        UPDATE, {"id": endpoint_id, "url": "https://example.com/b", "events": ["DEBT_ERASED"]}
    )
    updated = body["data"]["updateWebhookEndpoint"]
    assert updated["url"] == "https://example.com/b"
    assert updated["events"] == ["DEBT_ERASED"]
    assert updated["description"] == "note"  # omitted: unchanged
    body = await api.gql(UPDATE_URL_ONLY, {"id": endpoint_id})
    assert body["data"]["updateWebhookEndpoint"] == {
        "__typename": "WebhookEndpoint",
        "description": "note",
        "enabled": False,
    }
    body = await api.gql(UPDATE, {"id": endpoint_id, "description": None})
    assert body["data"]["updateWebhookEndpoint"]["description"] is None
    body = await api.gql(UPDATE, {"id": endpoint_id, "url": "ftp://example.com"})
    assert body["data"]["updateWebhookEndpoint"] == {
        "__typename": "ValidationError",
        "fields": [{"field": "url", "code": "INVALID_URL"}],
    }


@pytest.mark.parametrize(
    "url",
    ["", "example.com/hooks", "ftp://example.com", "http://", "https://exa mple.com", "/hooks"],
)
async def test_a_url_that_is_not_absolute_http_is_invalid_url(api: Api, url: str) -> None:
    created = await create_endpoint(api, url, ["DEBT_CREATED"])
    assert created["__typename"] == "ValidationError"
    assert [(f["field"], f["code"]) for f in created["fields"]] == [("url", "INVALID_URL")]
    assert (await api.gql(LIST))["data"]["webhookEndpoints"] == []


async def test_no_events_and_long_description_are_refused(api: Api) -> None:
    created = await create_endpoint(api, "http://127.0.0.1:9/", [], "x" * 256)
    assert [(f["field"], f["code"]) for f in created["fields"]] == [
        ("events", "REQUIRED"),
        ("description", "TOO_LONG"),
    ]


async def test_the_21st_endpoint_is_limit_reached(api: Api) -> None:
    for index in range(20):
        created = await create_endpoint(api, f"http://127.0.0.1:9/{index}", ["DEBT_CREATED"])
        assert created["__typename"] == "WebhookEndpointWithSecret"
    refused = await create_endpoint(api, "http://127.0.0.1:9/21", ["DEBT_CREATED"])
    assert refused["__typename"] == "ValidationError"
    assert [(f["field"], f["code"]) for f in refused["fields"]] == [("url", "LIMIT_REACHED")]
    assert len((await api.gql(LIST))["data"]["webhookEndpoints"]) == 20


async def test_another_companys_endpoint_is_unknown_everywhere(
    api: Api, http: httpx.AsyncClient, runtime: Runtime
) -> None:
    other = await Api.for_new_company(http, runtime)
    theirs = (await create_endpoint(other, "http://127.0.0.1:9/", ["DEBT_CREATED"]))["endpoint"]
    for endpoint_id in (theirs["id"], "whep_unknown", "not an id", "x" * 500):
        body = await api.gql(UPDATE, {"id": endpoint_id, "enabled": False})
        assert body["data"]["updateWebhookEndpoint"] == {
            "__typename": "WebhookEndpointNotFound",
            "message": "webhook endpoint not found",
        }
        body = await api.gql(ROTATE, {"id": endpoint_id})
        assert body["data"]["rotateWebhookSecret"]["__typename"] == "WebhookEndpointNotFound"
        assert (await api.gql(DELETE, {"id": endpoint_id}))["data"] == {
            "deleteWebhookEndpoint": False
        }
        assert await deliveries(api, endpoint_id) == []
        body = await api.gql(REDELIVER, {"e": "evt_x", "p": endpoint_id})
        assert body["data"] == {"redeliverWebhookEvent": False}
    assert (await api.gql(LIST))["data"]["webhookEndpoints"] == []
    # Theirs is untouched.
    assert (await other.gql(LIST))["data"]["webhookEndpoints"] == [theirs]


async def test_delete_answers_true_once(api: Api) -> None:
    endpoint_id = (await create_endpoint(api, "http://127.0.0.1:9/", ["DEBT_CREATED"]))["endpoint"][
        "id"
    ]
    assert (await api.gql(DELETE, {"id": endpoint_id}))["data"]["deleteWebhookEndpoint"] is True
    assert (await api.gql(DELETE, {"id": endpoint_id}))["data"]["deleteWebhookEndpoint"] is False


async def test_rotation_answers_a_new_secret(api: Api) -> None:
    created = await create_endpoint(api, "http://127.0.0.1:9/", ["DEBT_CREATED"])
    body = await api.gql(ROTATE, {"id": created["endpoint"]["id"]})
    rotated = body["data"]["rotateWebhookSecret"]
    assert rotated["__typename"] == "WebhookEndpointWithSecret"
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]


@pytest.mark.parametrize(
    ("scope", "operation", "variables"),
    [
        ("webhooks:read", LIST, {}),
        ("webhooks:read", 'query { webhookDeliveries(endpointId: "x") { edges { cursor } } }', {}),
        ("webhooks:write", DELETE, {"id": "whep_x"}),
        ("webhooks:write", ROTATE, {"id": "whep_x"}),
        ("webhooks:write", REDELIVER, {"e": "evt_x", "p": "whep_x"}),
        ("webhooks:write", UPDATE, {"id": "whep_x"}),
    ],
)
async def test_missing_scope_is_forbidden(
    api: Api,
    http: httpx.AsyncClient,
    runtime: Runtime,
    scope: str,
    operation: str,
    variables: dict[str, Any],
) -> None:
    others = tuple(s for s in ("webhooks:read", "webhooks:write", "debts:write") if s != scope)
    client = await make_client(runtime, api.company_id, others)
    token = await fetch_token(http, client.client_id, client.client_secret)
    body = await api.gql(operation, variables, token=token)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["errors"][0]["message"] == f'Required scope "{scope}" not found in token'


async def test_create_without_write_scope_is_forbidden_and_writes_nothing(
    api: Api, http: httpx.AsyncClient, runtime: Runtime
) -> None:
    client = await make_client(runtime, api.company_id, ("webhooks:read",))
    token = await fetch_token(http, client.client_id, client.client_secret)
    body = await api.gql(
        CREATE_ENDPOINT, {"url": "http://127.0.0.1:9/", "events": ["DEBT_CREATED"]}, token=token
    )
    assert body["errors"][0]["message"] == 'Required scope "webhooks:write" not found in token'
    assert (await api.gql(LIST))["data"]["webhookEndpoints"] == []


async def test_production_refuses_http_and_private_addresses(settings: Settings) -> None:
    assert url_error("http://example.com/", production=True) is not None
    assert url_error("https://example.com/", production=True) is None
    production = Settings(
        **(settings.model_dump() | {"app_env": "production", "webhook_allowed_networks": ""})
    ).webhook_policy
    for url in (
        "https://127.0.0.1/",
        "https://localhost/",
        "https://10.1.2.3/",
        "https://192.168.0.1/",
        "https://169.254.169.254/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://224.0.0.1/",
        "https://[fe80::1]/",
    ):
        assert await address_problem(url, production) is not None, url
    assert await address_problem("https://93.184.215.14/", production) is None
    allowed = WebhookPolicy(
        production=True,
        allowed_networks=production.allowed_networks
        + Settings(
            **(settings.model_dump() | {"webhook_allowed_networks": "10.0.0.0/8"})
        ).webhook_policy.allowed_networks,
        retry_schedule=production.retry_schedule,
        disable_after=production.disable_after,
        secret_overlap=production.secret_overlap,
    )
    assert await address_problem("https://10.1.2.3/", allowed) is None
    assert await address_problem("https://127.0.0.1/", allowed) is not None
