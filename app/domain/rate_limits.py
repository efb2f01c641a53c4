"""Sliding-window rate limits: what two counts per client say about one more request.

The "sliding window counter": requests are counted in fixed windows, and the count over
the last full window is estimated as the current window's count plus the previous
window's count weighted by how much of it the sliding window still covers. Two integers
per client and quota, so storing them costs one small row (or two Redis keys) whatever
the traffic, unlike a log of timestamps; the estimate assumes the previous window's
requests were spread evenly, which errs by at most a fraction of that window's count.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Quota:
    name: str
    limit: int
    window_seconds: int

    def window_of(self, epoch_seconds: float) -> int:
        """The index of the fixed window holding this instant."""
        return math.floor(epoch_seconds / self.window_seconds)


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """Requests counted in window `window` (this request included) and in the one before."""

    window: int
    current: int
    previous: int


@dataclass(frozen=True, slots=True)
class Verdict:
    quota: Quota
    allowed: bool
    remaining: int
    reset_at: int  # epoch seconds by which, sending nothing more, the whole limit is back
    retry_after: int  # seconds until one more request fits; 0 when allowed


def judge(quota: Quota, counts: WindowCounts, now: float) -> Verdict:
    """Whether the request counted in `counts` fits in the quota, with what is left."""
    size = quota.window_seconds
    start = counts.window * size
    covered = 1.0 - min(max((now - start) / size, 0.0), 1.0)
    used = counts.previous * covered + counts.current
    allowed = used <= quota.limit
    if counts.current:
        reset_at = start + 2 * size  # the current window has slid out entirely by then
    elif counts.previous:
        reset_at = start + size
    else:
        reset_at = math.ceil(now)
    if allowed:
        return Verdict(quota, True, max(0, math.floor(quota.limit - used)), reset_at, 0)
    # Refused requests are not kept, so none counts against the retry: neither this one nor
    # those refused in the same burst, still counted when this one was (their undo follows).
    # Whatever went through fitted, so at most floor(limit - previous share) did.
    kept = min(counts.current - 1, max(0, math.floor(quota.limit - counts.previous * covered)))
    retry_at = _room_at(quota, start, counts.previous, kept)
    retry_after = max(1, math.ceil(retry_at - now))
    return Verdict(quota, False, 0, reset_at, retry_after)


def _room_at(quota: Quota, start: float, previous: int, current: int) -> float:
    """The first instant at which one more request fits, if none is sent meanwhile."""
    size, limit = quota.window_seconds, quota.limit
    if current + 1 <= limit:
        if previous == 0:
            return start
        # previous * (1 - f) + current + 1 <= limit, f the elapsed part of this window.
        return start + (1 - (limit - 1 - current) / previous) * size
    # Only in the next window, where this window's count is the one sliding out.
    return start + size + (1 - (limit - 1) / current) * size


# A server counts requests ahead in blocks (a lease): at most this share of what is left
# in the window, so that other servers are never refused for long by counts one of them
# holds but has not used, and at most MAX_LEASE requests, so one lost lease costs little.
LEASE_SHARE = 10
MAX_LEASE = 1000


def lease_size(verdicts: list[Verdict]) -> int:
    """How many requests to count at once next, after these verdicts on the last block.

    One while little is left, so the last requests of a quota are counted one by one and
    the limit holds exactly; more only while the quota is far from spent.
    """
    remaining = min(verdict.remaining for verdict in verdicts)
    return max(1, min(MAX_LEASE, remaining // LEASE_SHARE))


def address_key(address: str) -> str:
    """What a client address is counted as: the address, or for IPv6 its /64 (one host
    usually holds a whole /64); an IPv4 address mapped into IPv6 as itself."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
