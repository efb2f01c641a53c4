"""POST /token: OAuth 2.0 client credentials and the RFC 6749 section 5.2 errors."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import jwt
import pytest

from app.runtime import Runtime
from app.services.auth import IssuedClient
from tests.conftest import TEST_SECRET
from tests.utils.factories import make_client, make_company


@pytest.fixture
async def client(runtime: Runtime) -> IssuedClient:
    company = await make_company(runtime)
    return await make_client(runtime, company.company_id, ("debts:read", "debts:write"))


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


async def test_form_credentials_return_a_bearer_token(
    http: httpx.AsyncClient, client: IssuedClient
) -> None:
    response = await http.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        },
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "debts:read debts:write"
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"])
    assert claims["company"] == client.company_id
    assert claims["exp"] - claims["iat"] == 3600


async def test_http_basic_credentials_work_too(
    http: httpx.AsyncClient, client: IssuedClient
) -> None:
    response = await http.post(
        "/token",
        data={"grant_type": "client_credentials"},
        headers=basic(client.client_id, client.client_secret),
    )
    assert response.status_code == 200, response.text


async def test_a_narrower_scope_can_be_requested(
    http: httpx.AsyncClient, client: IssuedClient
) -> None:
    response = await http.post(
        "/token",
        data={"grant_type": "client_credentials", "scope": "debts:read"},
        headers=basic(client.client_id, client.client_secret),
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "debts:read"


CC = {"grant_type": "client_credentials"}


@pytest.mark.parametrize(
    ("form", "auth", "status", "error"),
    [
        pytest.param(CC, "wrong-secret", 401, "invalid_client", id="wrong-secret"),
        pytest.param(CC, "unknown-client", 401, "invalid_client", id="unknown-client"),
        pytest.param(CC, None, 401, "invalid_client", id="no-credentials"),
        pytest.param(CC, "garbage-basic", 401, "invalid_client", id="garbage-basic"),
        pytest.param(
            {"grant_type": "password"}, "basic", 400, "unsupported_grant_type", id="password"
        ),
        pytest.param({}, "basic", 400, "invalid_request", id="no-grant-type"),
        pytest.param(CC, "both", 400, "invalid_request", id="two-auth-methods"),
        pytest.param(CC | {"scope": "admin"}, "basic", 400, "invalid_scope", id="unknown-scope"),
        pytest.param(
            CC | {"scope": "timelines:write"}, "basic", 400, "invalid_scope", id="not-granted"
        ),
    ],
)
async def test_token_errors_follow_rfc_6749(
    http: httpx.AsyncClient,
    client: IssuedClient,
    form: dict[str, str],
    auth: str | None,
    status: int,
    error: str,
) -> None:
    headers: dict[str, str] = {}
    data: dict[str, Any] = dict(form)
    if auth == "basic":
        headers = basic(client.client_id, client.client_secret)
    elif auth == "wrong-secret":
        headers = basic(client.client_id, "not-the-secret")
    elif auth == "unknown-client":
        headers = basic("cl_nobody", client.client_secret)
    elif auth == "garbage-basic":
        headers = {"Authorization": "Basic !!!not-base64"}
    elif auth == "both":
        headers = basic(client.client_id, client.client_secret)
        data |= {"client_id": client.client_id, "client_secret": client.client_secret}

    response = await http.post("/token", data=data, headers=headers)

    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic")


async def test_token_refuses_a_json_body(http: httpx.AsyncClient, client: IssuedClient) -> None:
    response = await http.post(
        "/token",
        json={
            "grant_type": "client_credentials",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
