"""Failed POST /token attempts, throttled per (client id, address) and per address.

Throttling by client id alone would let anyone lock a client out by sending it wrong
secrets; keyed by the pair, an attacker only ever throttles themselves, and the real
client, calling from its own address, still gets tokens. The per-address quota (larger)
bounds an address trying many client ids. An attempt counts as a failure from the moment
it is let through, so a burst of concurrent wrong secrets is bounded too, and is taken
back once it turns out to have succeeded. Counts use the same sliding window as the API's
rate limits (app/domain/rate_limits.py) and live in this process: the quotas bound the
argon2 work each worker can be made to do, and brute-forcing a random 256-bit secret is
hopeless anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.domain.rate_limits import Quota, WindowCounts, address_key, judge
from app.storage import ids

# Past this many keys, those of windows gone by are dropped (all of them, if that frees
# little): memory stays bounded whatever number of addresses an attacker has.
_MAX_KEYS = 100_000

_Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Throttled:
    retry_after: int  # seconds


class Attempt:
    """An attempt let through: a failure, unless `succeeded` or `abandoned` says otherwise."""

    def __init__(self, throttle: TokenThrottle, pair: _Key, address: _Key) -> None:
        self._throttle, self._pair, self._address = throttle, pair, address

    def succeeded(self) -> None:
        """The secret was right: the pair's failures are forgiven, the address's not counted."""
        self._throttle.forget(self._pair)
        self._throttle.take_back(self._address)

    def abandoned(self) -> None:
        """Not decided (the database did not answer): the attempt is not held against anyone."""
        self._throttle.take_back(self._pair)
        self._throttle.take_back(self._address)


class TokenThrottle:
    def __init__(
        self,
        *,
        per_client: int,
        per_address: int,
        window_seconds: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._per_pair = Quota("token-failures-client", per_client, window_seconds)
        self._per_address = Quota("token-failures-address", per_address, window_seconds)
        self._clock = clock
        self._counts: dict[_Key, WindowCounts] = {}

    def admit(self, client_id: str, address: str) -> Attempt | Throttled:
        """Let an attempt through (counted as failed until told otherwise), or refuse it."""
        source = address_key(address)
        # Text that cannot be a client id shares one key per address: it never succeeds.
        pair: _Key = ("client", ids.lookup_key(ids.CLIENT, client_id), source)
        by_address: _Key = ("address", source)
        now = self._clock().timestamp()
        window = self._per_pair.window_of(now)
        counted = {key: self._counted(key, window) for key in (pair, by_address)}
        verdicts = [
            judge(self._per_pair, counted[pair], now),
            judge(self._per_address, counted[by_address], now),
        ]
        if not all(verdict.allowed for verdict in verdicts):
            # Refusals are not counted: hammering does not push the retry further away.
            return Throttled(max(verdict.retry_after for verdict in verdicts))
        if len(self._counts) >= _MAX_KEYS:
            self._prune(window)
        self._counts.update(counted)
        return Attempt(self, pair, by_address)

    def take_back(self, key: _Key) -> None:
        stored = self._counts.get(key)
        if stored is not None and stored.current > 0:
            self._counts[key] = WindowCounts(stored.window, stored.current - 1, stored.previous)

    def forget(self, key: _Key) -> None:
        self._counts.pop(key, None)

    def _counted(self, key: _Key, window: int) -> WindowCounts:
        """The key's counts rolled to `window`, with one more attempt."""
        stored = self._counts.get(key)
        if stored is None or stored.window < window - 1:
            return WindowCounts(window, 1, 0)
        if stored.window == window - 1:
            return WindowCounts(window, 1, stored.current)
        # This window, or a later one already (the clock was set back): count into it.
        return WindowCounts(stored.window, stored.current + 1, stored.previous)

    def _prune(self, window: int) -> None:
        for key in [key for key, counts in self._counts.items() if counts.window < window - 1]:
            del self._counts[key]
        if len(self._counts) > _MAX_KEYS // 2:
            self._counts.clear()
