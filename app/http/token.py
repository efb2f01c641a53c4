"""POST /token: OAuth 2.0 client credentials grant (RFC 6749 sections 4.4 and 5)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.runtime import Runtime
from app.services.auth import UnknownScopes, authenticate_client, issue_token, parse_scopes
from app.services.token_throttle import Throttled
from app.storage.outages import is_outage

_NO_CACHE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _error(status: int, error: str, description: str) -> JSONResponse:
    headers = dict(_NO_CACHE)
    if status == 401:  # RFC 6749 section 5.2: invalid_client answers carry a challenge
        headers["WWW-Authenticate"] = 'Basic realm="token"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, secret = decoded.partition(":")
    if not separator:
        return None
    # RFC 6749 section 2.3.1: both parts are form-urlencoded before base64.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


async def token_endpoint(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return _error(
            400, "invalid_request", "Send the parameters as application/x-www-form-urlencoded"
        )
    form = await request.form()
    params = {key: value for key, value in form.items() if isinstance(value, str)}
    if any(len(form.getlist(key)) > 1 for key in form):
        return _error(400, "invalid_request", "Each parameter may be given once")

    grant_type = params.get("grant_type")
    if not grant_type:
        return _error(400, "invalid_request", "grant_type is required")
    if grant_type != "client_credentials":
        return _error(400, "unsupported_grant_type", "Only client_credentials is supported")

    authorization = request.headers.get("authorization")
    in_body = "client_id" in params or "client_secret" in params
    if authorization and in_body:
        return _error(400, "invalid_request", "Authenticate with one method, not both")
    if authorization:
        credentials = _basic_credentials(authorization)
        if credentials is None:
            return _error(401, "invalid_client", "Malformed HTTP Basic credentials")
    elif params.get("client_id") and params.get("client_secret"):
        credentials = (params["client_id"], params["client_secret"])
    else:
        return _error(401, "invalid_client", "Client authentication is required")

    address = request.client.host if request.client is not None else ""
    attempt = runtime.token_throttle.admit(credentials[0], address)
    if isinstance(attempt, Throttled):
        # Refused before any database or argon2 work: a flood costs next to nothing.
        response = _error(
            429,
            "slow_down",
            f"Too many failed attempts; retry in {attempt.retry_after} seconds",
        )
        response.headers["Retry-After"] = str(attempt.retry_after)
        return response
    try:
        found = await authenticate_client(
            runtime.sessions,
            client_id=credentials[0],
            client_secret=credentials[1],
            verifier=runtime.secrets,
        )
    except Exception as error:
        if not is_outage(error):
            raise  # a bug: Starlette's error handling logs it and answers 500
        attempt.abandoned()
        runtime.outages.failed("database", error)
        return _error(
            503, "temporarily_unavailable", "The service is temporarily unavailable; retry shortly"
        )
    if found is None:
        return _error(401, "invalid_client", "Unknown client or wrong secret")
    attempt.succeeded()

    granted = found.scopes
    requested = params.get("scope")
    if requested is not None:
        try:
            wanted = parse_scopes(requested)
        except UnknownScopes as error:
            return _error(400, "invalid_scope", str(error))
        if not set(wanted) <= set(granted):
            missing = ", ".join(sorted(set(wanted) - set(granted)))
            return _error(400, "invalid_scope", f"Scopes not granted to this client: {missing}")
        granted = wanted or granted

    token = issue_token(
        runtime.settings,
        client_id=found.client_id,
        company_id=found.company_id,
        scopes=granted,
        now=runtime.clock(),
    )
    return JSONResponse(
        {
            "access_token": token.access_token,
            "token_type": "Bearer",
            "expires_in": token.expires_in,
            "scope": token.scope,
        },
        headers=_NO_CACHE,
    )
