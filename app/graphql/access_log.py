"""What the access log learns from the GraphQL layer: operation, client, outcome."""

from __future__ import annotations

from collections.abc import Sequence

from graphql import GraphQLError
from strawberry.types.graphql import OperationType

from app.graphql.context import Context
from app.graphql.errors import REJECTED_DOCUMENT_CODES
from app.logs import current_request


def note_operation(name: str | None, operation_type: OperationType) -> None:
    """The operation, once the document is parsed."""
    record = current_request()
    if record is not None:
        record.operation = name
        record.operation_type = operation_type.value


def note_client(context: Context) -> None:
    """The client, once the operation ran: only what the resolvers or the rate limiter
    learnt, since logging must not fail."""
    record = current_request()
    if record is not None:
        caller = context.known_caller
        record.client_id = caller.client_id if caller else None


def note_outcome(errors: Sequence[GraphQLError] | None) -> None:
    """ok, validation_error (the document was refused) or graphql_error, with the codes."""
    record = current_request()
    if record is None:
        return
    codes = [str((error.extensions or {}).get("code", "UNKNOWN")) for error in errors or []]
    record.error_codes = codes
    if not codes:
        record.outcome = "ok"
    elif all(code in REJECTED_DOCUMENT_CODES for code in codes):
        record.outcome = "validation_error"
    else:
        record.outcome = "graphql_error"
