"""Opaque public ids: random, prefixed by kind, never derived from a database key."""

from __future__ import annotations

import re
import secrets

COMPANY = "co"
CLIENT = "cl"
TIMELINE = "tl"
DEBT = "debt"
IMPORT = "imp"
EVENT = "evt"

PUBLIC_ID_MAX = 64

# What new_public_id can produce: a kind, "_", url-safe base64.
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def new_public_id(kind: str) -> str:
    # 128 random bits: not guessable, not enumerable, and unrelated across companies.
    return f"{kind}_{secrets.token_urlsafe(16)}"


def lookup_key(kind: str, text: str) -> str:
    """The value to look a `kind` id up by: `text` if it could be one, else a key of no row.

    Text that cannot be an id (too long, NUL, other characters) still takes the caller's
    one query, so timing tells nothing, but never reaches the database: PostgreSQL refuses
    NUL in text, which would turn a malformed id into a fault.
    """
    prefix = f"{kind}_"
    if (
        len(text) <= PUBLIC_ID_MAX
        and text.startswith(prefix)
        and _TOKEN.fullmatch(text, len(prefix)) is not None
    ):
        return text
    return ""
