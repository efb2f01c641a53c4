"""Opaque public ids: random, prefixed by kind, never derived from a database key."""

from __future__ import annotations

import re
import secrets

COMPANY = "co"
CLIENT = "cl"
TIMELINE = "tl"
DEBT = "debt"
IMPORT = "imp"

PUBLIC_ID_MAX = 64
_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{1,{PUBLIC_ID_MAX}}}")


def new_public_id(kind: str) -> str:
    # 128 random bits: not guessable, not enumerable, and unrelated across companies.
    return f"{kind}_{secrets.token_urlsafe(16)}"


def lookup_key(value: str) -> str:
    """What to look an id up by: the value when it could be one of ours, else one matching
    nothing. The lookup still runs, so a malformed id is answered like an unknown one (and
    PostgreSQL never sees the NUL bytes it refuses in text)."""
    return value if _SHAPE.fullmatch(value) else ""
