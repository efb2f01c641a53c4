"""Single-field rules: each turns one raw input value into a clean value or a Problem."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

import orjson
import pycountry
from email_validator import EmailNotValidError, validate_email
from schwifty import IBAN

from app.domain.errors import Problem, ValidationCode

NAME_MAX = 255
TEXT_MAX = 255
LONG_TEXT_MAX = 2000
METADATA_MAX_BYTES = 16 * 1024
# Not in the spec: the response encoder (orjson) stops at 254 levels, and a debt's metadata
# sits a few levels down in a response, so nesting is capped well below that.
METADATA_MAX_DEPTH = 64
# Integers JSON parsers read back exactly wherever 64-bit integers exist (orjson, which
# writes the responses, among them); beyond, a number would come back changed, or not at all.
METADATA_INT_MIN = -(2**63)
METADATA_INT_MAX = 2**64 - 1

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
    normalized = f"{local}@{domain.lower()}"
    if len(normalized) > TEXT_MAX:  # lower-casing can lengthen text ("İ" becomes two characters)
        return Problem(ValidationCode.TOO_LONG, f"must be at most {TEXT_MAX} characters")
    return normalized


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
    # ASCII before upper-casing: "ı".upper() is "I", so "ıt" would otherwise pass as IT.
    code = value.upper()
    if value.isascii() and len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None:
        return code
    return Problem(ValidationCode.INVALID_COUNTRY, "must be an ISO 3166-1 alpha-2 country code")


def http_url(value: str) -> str | Problem:
    """An absolute http or https URL of at most TEXT_MAX characters."""
    if len(value) > TEXT_MAX:
        return Problem(ValidationCode.TOO_LONG, f"must be at most {TEXT_MAX} characters")
    invalid = Problem(ValidationCode.INVALID_URL, "must be an absolute http or https URL")
    if (
        any(character.isspace() for character in value)
        or _CONTROL.search(value)
        or not _is_utf8(value)
    ):
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
    """A JSON object of at most METADATA_MAX_BYTES as compact UTF-8 JSON (JSON.stringify's size).

    It is measured with the encoder that writes the responses, so whatever is accepted here
    can be echoed back: integers beyond 64 bits (refused by name, wherever they are nested)
    or text that is not valid Unicode cannot.
    """
    if not isinstance(value, dict):
        return Problem(ValidationCode.INVALID_METADATA, "must be a JSON object")
    problem = _json_shape_problem(value, depth=1)
    if problem is not None:
        return Problem(ValidationCode.INVALID_METADATA, problem)
    try:
        size = len(orjson.dumps(value))
    except orjson.JSONEncodeError:
        return Problem(
            ValidationCode.INVALID_METADATA,
            "must be plain JSON: string keys, valid Unicode text, integers within 64 bits",
        )
    if size > METADATA_MAX_BYTES:
        return Problem(
            ValidationCode.INVALID_METADATA, f"must be at most {METADATA_MAX_BYTES} bytes as JSON"
        )
    return value


def _json_shape_problem(value: Any, *, depth: int) -> str | None:
    # Walked before encoding, and never deeper than the limit, so any nesting is safe to
    # inspect. orjson would write NaN as null and encode tuples or dates the storage cannot:
    # such values (possible from Python callers such as a file import, never from GraphQL)
    # are caught here.
    if isinstance(value, dict | list):
        if depth > METADATA_MAX_DEPTH:
            return f"must not be nested more than {METADATA_MAX_DEPTH} levels deep"
        for item in value.values() if isinstance(value, dict) else value:
            problem = _json_shape_problem(item, depth=depth + 1)
            if problem is not None:
                return problem
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "must not contain NaN or Infinity"
    if isinstance(value, int) and not METADATA_INT_MIN <= value <= METADATA_INT_MAX:
        return (
            f"must not hold integers beyond 64 bits (from {METADATA_INT_MIN} to {METADATA_INT_MAX})"
        )
    if not isinstance(value, str | int | float | None):
        return "must hold only JSON values"
    return None
