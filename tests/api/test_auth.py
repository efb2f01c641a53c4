"""Authentication and scopes on GraphQL: UNAUTHENTICATED, FORBIDDEN, nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from app.runtime import Runtime
from app.services.auth import issue_token
from tests.utils.api import CREATE_DEBT, DEBT, VALID_DEBT, Api, fetch_token
from tests.utils.clock import Clock
from tests.utils.factories import make_client

UNAUTHENTICATED = {
    "message": "Authentication credentials are missing or invalid",
    "code": "UNAUTHENTICATED",
}


def _error(body: dict[str, object]) -> dict[str, object]:
    data = body.get("data")
    assert data is None or all(value is None for value in data.values()), body  # type: ignore[attr-defined]
    errors = body["errors"]
    assert isinstance(errors, list) and len(errors) == 1, body
    error = errors[0]
    return {"message": error["message"], "code": error["extensions"]["code"]}


def expired_token(api: Api) -> str:
    claims = jwt.decode(api.token, options={"verify_signature": False})
    issued = issue_token(
        api.runtime.settings,
        client_id=claims["sub"],
        company_id=claims["company"],
        scopes=tuple(claims["scope"].split()),
        now=datetime.now(UTC) - timedelta(hours=2),
    )
    return issued.access_token


def foreign_signed_token(api: Api) -> str:
    claims = jwt.decode(api.token, options={"verify_signature": False})
    return jwt.encode(claims, "some-other-servers-key-0123456789abcdef", algorithm="HS256")


def tampered_token(api: Api) -> str:
    header, _payload, signature = api.token.split(".")
    claims = jwt.decode(api.token, options={"verify_signature": False})
    claims["company"] = "co_somebody_else"
    forged_payload = jwt.encode(claims, "x" * 32, algorithm="HS256").split(".")[1]
    return ".".join([header, forged_payload, signature])


def unsigned_token(api: Api) -> str:
    claims = jwt.decode(api.token, options={"verify_signature": False})
    return jwt.encode(claims, "", algorithm="none")  # "" is how PyJWT names no key


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda api: None, id="missing"),
        pytest.param(lambda api: "garbage", id="garbage"),
        pytest.param(expired_token, id="expired"),
        pytest.param(foreign_signed_token, id="wrongly-signed"),
        pytest.param(tampered_token, id="tampered"),
        pytest.param(unsigned_token, id="alg-none"),
    ],
)
async def test_bad_tokens_are_unauthenticated_and_write_nothing(
    api: Api, make_token: object
) -> None:
    token = make_token(api)  # type: ignore[operator]
    body = await api.gql(CREATE_DEBT, {"input": VALID_DEBT}, token=token)
    assert _error(body) == UNAUTHENTICATED
    assert await api.debt_count() == 0


async def test_a_token_with_another_scheme_is_unauthenticated(api: Api) -> None:
    response = await api.http.post(
        "/graphql",
        json={"query": CREATE_DEBT, "variables": {"input": VALID_DEBT}},
        headers={"Authorization": f"Basic {api.token}"},
    )
    assert _error(response.json()) == UNAUTHENTICATED


async def test_read_only_token_cannot_create(api: Api, runtime: Runtime) -> None:
    reader = await make_client(runtime, api.company_id, ("debts:read",))
    token = await fetch_token(api.http, reader.client_id, reader.client_secret)

    body = await api.gql(CREATE_DEBT, {"input": VALID_DEBT}, token=token)

    assert _error(body) == {
        "message": 'Required scope "debts:write" not found in token',
        "code": "FORBIDDEN",
    }
    assert await api.debt_count() == 0


async def test_write_only_token_cannot_read(api: Api, runtime: Runtime) -> None:
    created = await api.create_debt(VALID_DEBT)
    writer = await make_client(runtime, api.company_id, ("debts:write",))
    token = await fetch_token(api.http, writer.client_id, writer.client_secret)

    body = await api.gql(DEBT, {"id": created["id"]}, token=token)

    assert _error(body) == {
        "message": 'Required scope "debts:read" not found in token',
        "code": "FORBIDDEN",
    }


async def test_authentication_comes_before_validation(api: Api) -> None:
    body = await api.gql(CREATE_DEBT, {"input": {**VALID_DEBT, "amount": "-1"}}, token=None)
    assert _error(body) == UNAUTHENTICATED


async def test_expiry_follows_the_server_clock_even_for_a_verified_token(
    api: Api, clock: Clock
) -> None:
    assert (await api.create_debt(VALID_DEBT))["__typename"] == "Debt"  # verified, remembered

    clock.set(datetime.now(UTC) + timedelta(seconds=3601))
    body = await api.gql(CREATE_DEBT, {"input": VALID_DEBT})

    assert _error(body) == UNAUTHENTICATED
    assert await api.debt_count() == 1


async def test_a_token_issued_under_a_fixed_clock_is_valid_under_it(
    api: Api, runtime: Runtime, clock: Clock
) -> None:
    clock.set(datetime(2024, 3, 1, 12, 0, tzinfo=UTC))
    client = await make_client(runtime, api.company_id, ("debts:write",))
    token = await fetch_token(api.http, client.client_id, client.client_secret)

    body = await api.gql(CREATE_DEBT, {"input": VALID_DEBT}, token=token)

    assert body["data"]["createDebt"]["importDate"].startswith("2024-03-01T13:00:00")
