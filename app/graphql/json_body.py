"""Request JSON (bodies, and the variables of a GET) parsed with every integer kept exact."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# orjson reads an integer beyond 64 bits as the nearest float (2^70 becomes
# 1.1805916207174113e+21): a different number than the one sent, which would be stored as
# such. Only a JSON number of 19 digits or more can be beyond 64 bits (-2^63 - 1 has 19), and
# a number follows a colon, a comma, a bracket or a space, so this finds every body that may
# hold one (and some that do not: a long digit string after a space, say).
_LONG_NUMBER_BYTES = re.compile(rb"[\s:,\[]-?[0-9]{19}")
_LONG_NUMBER_TEXT = re.compile(r"[\s:,\[]-?[0-9]{19}")


def loads(data: str | bytes) -> Any:
    """JSON as orjson.loads reads it (and raising orjson.JSONDecodeError as it does), except that
    integers beyond 64 bits stay exact ints, for the rules to refuse by name.

    orjson checks every document first; the few that may hold a long number are read again
    by the standard library, which keeps integers exact. Both agree on everything else in a
    document orjson accepts (no NaN, no lone surrogate, at most 1,024 levels).
    """
    value = orjson.loads(data)
    pattern = _LONG_NUMBER_TEXT if isinstance(data, str) else _LONG_NUMBER_BYTES
    if pattern.search(data) is None:  # type: ignore[arg-type]
        return value
    try:
        return json.loads(data)
    except (RecursionError, ValueError):
        # Deeper than Python's recursion limit allows, or a form only orjson reads (a byte
        # order mark): no request limit lets such a document through anyway.
        return value
