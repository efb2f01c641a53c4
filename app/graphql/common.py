"""Types shared by every domain of the schema: the Error interface and validation errors."""

from __future__ import annotations

import strawberry

from app.domain.errors import VALIDATION_FAILED
from app.domain.errors import FieldError as DomainFieldError
from app.graphql.enums import ValidationCode


@strawberry.interface(description="Every expected failure returned as a union member.")
class Error:
    message: str = strawberry.field(description="Human-readable explanation of the failure.")


@strawberry.type(description="One refused input field.")
class FieldError:
    field: str = strawberry.field(
        description='Input field name as sent, camelCase (e.g. "dueDate").'
    )
    code: ValidationCode = strawberry.field(description="Machine-readable reason.")
    message: str = strawberry.field(description="Human-readable reason.")


@strawberry.type(description="The input was refused; nothing was written.")
class ValidationError(Error):
    message: str = strawberry.field(description='Always "Validation failed".')
    fields: list[FieldError] = strawberry.field(
        description="Every problem of the input at once, in input field order."
    )

    @classmethod
    def of(cls, errors: list[DomainFieldError]) -> ValidationError:
        return cls(
            message=VALIDATION_FAILED,
            fields=[
                FieldError(field=e.field, code=ValidationCode[e.code.name], message=e.message)
                for e in errors
            ],
        )
