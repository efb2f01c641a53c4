"""Idempotency keys as rules: what a valid key is, how long it lives, an input's fingerprint."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from app.domain import fields as rules
from app.domain.errors import FieldError, Problem

KEY_FIELD = "idempotencyKey"
KEY_MAX = 255
DEFAULT_RETENTION = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class KeyPolicy:
    """How long a key keeps its result, and how many expired keys one write may purge."""

    retention: timedelta = DEFAULT_RETENTION
    purge_batch: int = 100


DEFAULT_KEY_POLICY = KeyPolicy()


def check_key(raw: str | None) -> str | FieldError | None:
    """The key to use (trimmed), None when none was sent, or why the sent one is refused."""
    if raw is None:
        return None
    value = rules.clean_text(raw)
    checked: str | Problem = rules.REQUIRED if value is None else rules.text(KEY_MAX)(value)
    if isinstance(checked, Problem):
        return FieldError(KEY_FIELD, checked.code, checked.message)
    return checked


def fingerprint(request: object) -> str:
    """sha256 (hex) of a canonical JSON form of a request's input.

    Keys are sorted at every level, so the order in which a client wrote the fields (or the
    keys of `metadata`) does not matter; an input field left out and one sent as null are
    the same; strings are taken as sent, untrimmed, and a Decimal keeps the digits it was
    sent with ("1250.00" is not "1250.0"): a retry sends the same thing again.
    """
    canonical = json.dumps(request, default=_plain, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        present = ((f.name, getattr(value, f.name)) for f in fields(value))
        return {name: item for name, item in present if item is not None}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date | time):
        return value.isoformat()
    raise TypeError(f"no canonical form for {type(value).__name__}")
