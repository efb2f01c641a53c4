"""Opaque public ids: random, prefixed by kind, never derived from a database key."""

from __future__ import annotations

import secrets

COMPANY = "co"
CLIENT = "cl"
TIMELINE = "tl"
DEBT = "debt"
IMPORT = "imp"

PUBLIC_ID_MAX = 64


def new_public_id(kind: str) -> str:
    # 128 random bits: not guessable, not enumerable, and unrelated across companies.
    return f"{kind}_{secrets.token_urlsafe(16)}"
