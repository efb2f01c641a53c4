"""Validation outcomes shared by every rule: the error codes and the FieldError value."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ValidationCode(enum.Enum):
    """Why one input field was refused; the GraphQL enum mirrors these names."""

    REQUIRED = "REQUIRED"
    CONTACT_REQUIRED = "CONTACT_REQUIRED"
    PHONE_TOO_SHORT = "PHONE_TOO_SHORT"
    PHONE_TOO_LONG = "PHONE_TOO_LONG"
    PHONE_INVALID_COUNTRY_CODE = "PHONE_INVALID_COUNTRY_CODE"
    PHONE_INVALID_FORMAT = "PHONE_INVALID_FORMAT"
    PHONE_NOT_ALLOCATED = "PHONE_NOT_ALLOCATED"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_DATE = "INVALID_DATE"
    INVALID_IBAN = "INVALID_IBAN"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    UNSUPPORTED_CURRENCY = "UNSUPPORTED_CURRENCY"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    DUE_DATE_BEFORE_INVOICE_DATE = "DUE_DATE_BEFORE_INVOICE_DATE"
    INVALID_COUNTRY = "INVALID_COUNTRY"
    INVALID_URL = "INVALID_URL"
    TOO_LONG = "TOO_LONG"
    INVALID_METADATA = "INVALID_METADATA"
    INVALID_VALUE = "INVALID_VALUE"
    LIMIT_REACHED = "LIMIT_REACHED"


@dataclass(frozen=True, slots=True)
class Problem:
    """A refused value, before it is attached to the field it came from."""

    code: ValidationCode
    message: str


@dataclass(frozen=True, slots=True)
class FieldError:
    """A refused value of one input field; `field` is the camelCase input name."""

    field: str
    code: ValidationCode
    message: str


VALIDATION_FAILED = "Validation failed"
