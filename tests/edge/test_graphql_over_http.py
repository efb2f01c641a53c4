"""GraphQL over HTTP: application/graphql-response+json, request errors without data, 405, 415."""

from __future__ import annotations

from typing import Any

import pytest

from tests.edge.conftest import StartServer
from tests.utils.api import CREATE_DEBT, VALID_DEBT, Api

GRAPHQL_RESPONSE = "application/graphql-response+json"
READ = "{ debts(first: 1) { edges { cursor } } }"

REQUEST_ERRORS: list[tuple[str, str, dict[str, Any]]] = [
    ("parse", "{ debts(first: ) }", {}),
    ("validation", "{ debs { id } }", {}),
    ("variables", CREATE_DEBT, {"input": {**VALID_DEBT, "amount": True}}),
    ("too-many-items", CREATE_DEBT, {"input": {**VALID_DEBT, **{f"x{i}": 1 for i in range(60)}}}),
]


async def _post(api: Api, query: str, variables: dict[str, Any], accept: str) -> Any:
    return await api.http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {api.token}", "Accept": accept},
    )


@pytest.mark.parametrize(
    ("query", "variables"), [c[1:] for c in REQUEST_ERRORS], ids=[c[0] for c in REQUEST_ERRORS]
)
async def test_request_errors_are_400_without_data_in_graphql_response_json(
    api: Api, query: str, variables: dict[str, Any]
) -> None:
    response = await _post(api, query, variables, GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    body = response.json()
    assert "data" not in body and body["errors"]
    assert await api.debt_count() == 0


@pytest.mark.parametrize(
    ("query", "variables"), [c[1:] for c in REQUEST_ERRORS], ids=[c[0] for c in REQUEST_ERRORS]
)
async def test_request_errors_are_200_without_data_in_application_json(
    api: Api, query: str, variables: dict[str, Any]
) -> None:
    response = await _post(api, query, variables, "application/json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "data" not in response.json()


async def test_a_success_and_a_field_error_are_200_with_data(api: Api) -> None:
    response = await _post(api, READ, {}, GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json()["data"]["debts"] == {"edges": []}

    anonymous = await api.http.post(
        "/graphql", json={"query": READ}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert anonymous.status_code == 200  # the field failed, the request did not
    body = anonymous.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", "application/json"),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
    ],
)
async def test_the_media_type_follows_the_accept_header(
    api: Api, accept: str | None, chosen: str
) -> None:
    headers = {"Authorization": f"Bearer {api.token}"}
    if accept is not None:
        headers["Accept"] = accept
    response = await api.http.post("/graphql", json={"query": READ}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == chosen


async def test_a_rate_limit_refusal_is_429_in_graphql_response_json(
    start_server: StartServer,
) -> None:
    server = await start_server(rate_limit_requests=1)
    api = await server.new_api()
    assert (await _post(api, READ, {}, GRAPHQL_RESPONSE)).status_code == 200
    refused = await _post(api, READ, {}, GRAPHQL_RESPONSE)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "data" not in refused.json()


async def test_a_mutation_over_get_is_405_with_allow(api: Api) -> None:
    response = await api.http.get(
        "/graphql",
        params={"query": 'mutation { createDebt(input: {firstname: "a"}) { __typename } }'},
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    read = await api.http.get(
        "/graphql", params={"query": READ}, headers={"Authorization": f"Bearer {api.token}"}
    )
    assert read.status_code == 200 and "data" in read.json()


@pytest.mark.parametrize("content_type", ["text/plain", "application/graphql", "application/xml"])
async def test_an_unsupported_media_type_is_415(api: Api, content_type: str) -> None:
    response = await api.http.post(
        "/graphql",
        content=b'{"query": "{ __typename }"}',
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": content_type},
    )
    assert response.status_code == 415
