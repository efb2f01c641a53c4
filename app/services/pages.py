"""What every paged listing shares: opaque cursors, the page size bounds and the refusals."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from app.storage import ids

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class PageSizeOutOfRange:
    first: int
    maximum: int = MAX_PAGE_SIZE


@dataclass(frozen=True, slots=True)
class InvalidCursor:
    """Malformed, unknown or another company's: the three are indistinguishable."""


def cursor_for(public_id: str) -> str:
    """An opaque cursor: it names one of the caller's rows by its public id, never a key."""
    return base64.urlsafe_b64encode(public_id.encode()).decode().rstrip("=")


def public_id_of(cursor: str, kind: str) -> str | None:
    """The public id (of that kind) a cursor names, or None for text that is no cursor."""
    if not cursor or len(cursor) > 2 * ids.PUBLIC_ID_MAX or not cursor.isascii():
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    return ids.lookup_key(kind, decoded) or None
