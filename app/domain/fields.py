"""Single-field rules: each turns one raw input value into a clean value or a Problem."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pycountry
from email_validator import EmailNotValidError, validate_email
from schwifty import IBAN

from app.domain.errors import Problem, ValidationCode

NAME_MAX = 255
TEXT_MAX = 255
LONG_TEXT_MAX = 2000
METADATA_MAX_BYTES = 16 * 1024

REQUIRED = Problem(ValidationCode.REQUIRED, "this field is required")

_STRICT_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# C0 controls other than tab, CR and LF, plus DEL: never meaningful in a debtor's record,
# and NUL cannot be stored in PostgreSQL text at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

T = TypeVar("T")
Rule = Callable[[str], T | Problem]


def clean_text(value: str | None) -> str | None:
    """Trim; a blank string counts as not given."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def text(max_length: int) -> Callable[[str], str | Problem]:
    """Free text of at most `max_length` characters, storable as UTF-8."""

    def rule(value: str) -> str | Problem:
        if len(value) > max_length:
            return Problem(ValidationCode.TOO_LONG, f"must be at most {max_length} characters")
        if _CONTROL.search(value):
            return Problem(ValidationCode.INVALID_VALUE, "must not contain control characters")
        if not _is_utf8(value):
            return Problem(ValidationCode.INVALID_VALUE, "must be valid Unicode text")
        return value

    return rule


def _is_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, which JSON lets through
        return False
    return True


def strict_date(value: str) -> date | Problem:
    """Exactly YYYY-MM-DD and a real calendar date."""
    if _STRICT_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return Problem(ValidationCode.INVALID_DATE, "must be a real date written YYYY-MM-DD")


def email(value: str) -> str | Problem:
    """A syntactically valid address (no DNS lookup), domain lower-cased."""
    if len(value) > TEXT_MAX:
        return Problem(ValidationCode.TOO_LONG, f"must be at most {TEXT_MAX} characters")
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        return Problem(ValidationCode.INVALID_EMAIL, f"not a valid email address: {error}")
    local, _, domain = checked.normalized.rpartition("@")
    return f"{local}@{domain.lower()}"


def iban(value: str) -> str | Problem:
    """A valid IBAN (checksum, country format and national checks), compact upper-case."""
    if len(value) > TEXT_MAX:
        return Problem(ValidationCode.TOO_LONG, f"must be at most {TEXT_MAX} characters")
    try:
        return IBAN(value, validate_bban=True).compact
    except ValueError as error:
        return Problem(ValidationCode.INVALID_IBAN, f"not a valid IBAN: {error}")


def country(value: str) -> str | Problem:
    """An ISO 3166-1 alpha-2 code, upper-cased."""
    code = value.upper()
    if len(code) == 2 and code.isascii() and pycountry.countries.get(alpha_2=code) is not None:
        return code
    return Problem(ValidationCode.INVALID_COUNTRY, "must be an ISO 3166-1 alpha-2 country code")


def http_url(value: str) -> str | Problem:
    """An absolute http or https URL of at most TEXT_MAX characters."""
    if len(value) > TEXT_MAX:
        return Problem(ValidationCode.TOO_LONG, f"must be at most {TEXT_MAX} characters")
    invalid = Problem(ValidationCode.INVALID_URL, "must be an absolute http or https URL")
    if any(character.isspace() for character in value) or _CONTROL.search(value):
        return invalid
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return invalid
    if parts.scheme.lower() not in ("http", "https") or not host:
        return invalid
    return value


def metadata(value: Any) -> dict[str, Any] | Problem:
    """A JSON object of at most METADATA_MAX_BYTES once serialized."""
    if not isinstance(value, dict):
        return Problem(ValidationCode.INVALID_METADATA, "must be a JSON object")
    try:
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    except (ValueError, TypeError, RecursionError):
        return Problem(ValidationCode.INVALID_METADATA, "must be plain JSON (no NaN, valid text)")
    if size > METADATA_MAX_BYTES:
        return Problem(
            ValidationCode.INVALID_METADATA, f"must be at most {METADATA_MAX_BYTES} bytes as JSON"
        )
    return value
