"""What the access log learns from the GraphQL layer: operation, client, outcome."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from app.graphql.context import Context
from app.graphql.errors import REJECTED_DOCUMENT_CODES
from app.logs import current_request


class OperationLog(SchemaExtension):
    """Names the operation once the document is parsed, and the client once it ran."""

    def on_validate(self) -> Iterator[None]:
        record = current_request()
        if record is not None:
            record.operation = self.execution_context.operation_name
            # Strawberry resolved the type before validation, so this cannot fail here.
            record.operation_type = self.execution_context.operation_type.value
        yield

    def on_execute(self) -> Iterator[None]:
        yield
        record = current_request()
        if record is not None:
            context: Context = self.execution_context.context
            # Only what the resolvers or the rate limiter learnt: logging must not fail.
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
