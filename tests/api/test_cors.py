"""CORS: browsers on the configured origins may call POST /graphql with a bearer token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import ValidationError

from app.config import Settings
from app.http.app import create_app
from app.runtime import Runtime
from tests.utils.api import Api

ALLOWED = "https://app.example.com"
REFUSED = "https://evil.example.net"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.fixture
async def cors_http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    configured = settings.model_copy(
        update={"cors_allowed_origins": f"{ALLOWED}, http://localhost:5173"}
    )
    app = create_app(configured)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        yield http


async def test_preflight_from_an_allowed_origin_allows_post_with_the_bearer_token(
    cors_http: httpx.AsyncClient,
) -> None:
    response = await cors_http.options("/graphql", headers={"Origin": ALLOWED, **PREFLIGHT})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers
    assert "access-control-allow-credentials" not in response.headers
    assert "origin" in response.headers["vary"].lower()


async def test_preflight_from_another_origin_is_refused(cors_http: httpx.AsyncClient) -> None:
    response = await cors_http.options("/graphql", headers={"Origin": REFUSED, **PREFLIGHT})

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_preflight_asking_for_other_headers_is_refused(
    cors_http: httpx.AsyncClient,
) -> None:
    headers = {**PREFLIGHT, "Access-Control-Request-Headers": "x-api-key"}
    response = await cors_http.options("/graphql", headers={"Origin": ALLOWED, **headers})
    assert response.status_code == 400


async def test_cross_origin_request_from_an_allowed_origin_can_be_read(
    cors_http: httpx.AsyncClient,
) -> None:
    response = await cors_http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ALLOWED}
    )

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["access-control-allow-origin"] == ALLOWED


async def test_a_browser_can_read_the_rate_limit_headers(
    cors_http: httpx.AsyncClient, runtime: Runtime
) -> None:
    api = await Api.for_new_company(cors_http, runtime)
    response = await cors_http.post(
        "/graphql",
        json={"query": "{ timelines { edges { node { id } } } }"},
        headers={"Origin": ALLOWED, "Authorization": f"Bearer {api.token}"},
    )

    sent = {name.lower() for name in response.headers if name.lower().startswith("x-ratelimit")}
    exposed = {
        name.strip().lower()
        for name in response.headers["access-control-expose-headers"].split(",")
    }
    assert sent, response.headers
    assert sent | {"retry-after"} <= exposed


async def test_cross_origin_request_from_a_refused_origin_gets_no_cors_grant(
    cors_http: httpx.AsyncClient,
) -> None:
    response = await cors_http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": REFUSED}
    )

    # The browser, not the server, withholds the answer: without the header it cannot be read.
    assert "access-control-allow-origin" not in response.headers


async def test_no_origin_is_allowed_by_default(http: httpx.AsyncClient) -> None:
    preflight = await http.options("/graphql", headers={"Origin": ALLOWED, **PREFLIGHT})
    request = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ALLOWED}
    )

    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in request.headers


@pytest.mark.parametrize(
    "origins",
    ["*", "app.example.com", "https://app.example.com/", "https://app.example.com/path", "ftp://x"],
)
def test_only_exact_origins_can_be_configured(origins: str) -> None:
    with pytest.raises(ValidationError, match="not an origin"):
        Settings(cors_allowed_origins=origins)


def test_origins_are_a_comma_or_space_separated_list() -> None:
    settings = Settings(cors_allowed_origins="https://A.example.com, http://localhost:5173")
    assert settings.cors_origins == ["https://a.example.com", "http://localhost:5173"]
