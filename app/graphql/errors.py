"""GraphQL-level errors (not union members): their codes and messages, defined once."""

from __future__ import annotations

import enum
import re

from graphql import GraphQLError

from app.services.idempotency import KeyConflict, KeyInProgress


class ErrorCode(enum.Enum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL = "INTERNAL"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    IDEMPOTENCY_IN_PROGRESS = "IDEMPOTENCY_IN_PROGRESS"
    RATE_LIMITED = "RATE_LIMITED"
    BAD_REQUEST = "BAD_REQUEST"
    # The document or its variables were refused before anything ran (app/graphql/limits.py).
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
    TOO_MANY_OPERATIONS = "TOO_MANY_OPERATIONS"
    VARIABLES_TOO_LARGE = "VARIABLES_TOO_LARGE"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"


# Codes meaning "the request itself was malformed or over a limit": nothing ran.
REJECTED_DOCUMENT_CODES = frozenset(
    code.value
    for code in (
        ErrorCode.GRAPHQL_PARSE_FAILED,
        ErrorCode.GRAPHQL_VALIDATION_FAILED,
        ErrorCode.REQUEST_TOO_LARGE,
        ErrorCode.QUERY_TOO_DEEP,
        ErrorCode.TOO_MANY_ALIASES,
        ErrorCode.TOO_MANY_TOKENS,
        ErrorCode.TOO_MANY_OPERATIONS,
        ErrorCode.VARIABLES_TOO_LARGE,
        ErrorCode.INTROSPECTION_DISABLED,
    )
)


def api_error(code: ErrorCode, message: str, **extensions: object) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value, **extensions})


def with_default_code(error: GraphQLError) -> GraphQLError:
    """graphql-core's own validation and variable errors carry no code: give them theirs."""
    if error.path is not None or (error.extensions or {}).get("code"):
        return error
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": ErrorCode.GRAPHQL_VALIDATION_FAILED.value},
    )


# graphql-core's suggestions, at the end of a message or before the value it refused:
# " Did you mean 'debt' or 'debts'?" (names never hold a question mark).
_SUGGESTIONS = re.compile(r" Did you mean [^?]*\?")


def without_suggestions(error: GraphQLError) -> GraphQLError:
    """The error without graphql-core's "Did you mean ...?", which names parts of the schema."""
    message = _SUGGESTIONS.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


def unauthenticated() -> GraphQLError:
    return api_error(ErrorCode.UNAUTHENTICATED, "Authentication credentials are missing or invalid")


def forbidden(scope: str) -> GraphQLError:
    return api_error(ErrorCode.FORBIDDEN, f'Required scope "{scope}" not found in token')


def service_unavailable() -> GraphQLError:
    return api_error(
        ErrorCode.SERVICE_UNAVAILABLE, "The service is temporarily unavailable; retry shortly"
    )


def internal() -> GraphQLError:
    return api_error(ErrorCode.INTERNAL, "Internal server error")


def key_refusal(refusal: KeyConflict | KeyInProgress) -> GraphQLError:
    """Why a write sent with an idempotency key was not done (nothing was written)."""
    if isinstance(refusal, KeyConflict):
        return api_error(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "This idempotency key was already used with a different input; nothing was written",
        )
    return api_error(
        ErrorCode.IDEMPOTENCY_IN_PROGRESS,
        "A request with this idempotency key is still in progress; retry shortly",
    )


def rate_limited(retry_after_seconds: int) -> GraphQLError:
    return api_error(
        ErrorCode.RATE_LIMITED,
        f"Rate limit exceeded; retry in {retry_after_seconds} seconds",
        retryAfter=retry_after_seconds,
    )


def bad_argument(argument: str, message: str, **extensions: object) -> GraphQLError:
    """A query argument the client must change; nothing was read or written."""
    return api_error(ErrorCode.BAD_REQUEST, message, argument=argument, **extensions)
