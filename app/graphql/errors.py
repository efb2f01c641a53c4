"""GraphQL-level errors (not union members): their codes and messages, defined once."""

from __future__ import annotations

import enum

from graphql import GraphQLError


class ErrorCode(enum.Enum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL = "INTERNAL"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    IDEMPOTENCY_IN_PROGRESS = "IDEMPOTENCY_IN_PROGRESS"
    RATE_LIMITED = "RATE_LIMITED"
    BAD_REQUEST = "BAD_REQUEST"


def api_error(code: ErrorCode, message: str, **extensions: object) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value, **extensions})


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


def idempotency_conflict() -> GraphQLError:
    return api_error(
        ErrorCode.IDEMPOTENCY_CONFLICT,
        "This idempotency key was already used with a different input; nothing was written",
    )


def idempotency_in_progress() -> GraphQLError:
    return api_error(
        ErrorCode.IDEMPOTENCY_IN_PROGRESS,
        "A request with this idempotency key is still in progress; retry shortly",
    )
