"""The sliding-window estimate: what two counts allow, and when a refused client may retry."""

from __future__ import annotations

import pytest

from app.domain.rate_limits import Quota, WindowCounts, judge

HOUR = Quota("requests", limit=10, window_seconds=3600)
START = 1_000 * 3600  # the start of window 1000


@pytest.mark.parametrize(
    ("elapsed", "previous", "current", "allowed", "remaining", "retry_after"),
    [
        # Nothing before: the current window's count alone.
        (0, 0, 1, True, 9, 0),
        (0, 0, 10, True, 0, 0),
        (0, 0, 11, False, 0, 3600 + 360),  # next window, once 1/10 of it has passed
        # The previous window weighs what the sliding window still covers of it.
        (0, 10, 1, False, 0, 360),  # 10 * (1 - f) + 0 + 1 <= 10 when f >= 0.1
        (1800, 10, 5, True, 0, 0),  # 10 * 0.5 + 5 = 10
        (1800, 10, 6, False, 0, 360),  # 10 * (1 - f) + 5 + 1 <= 10 when f >= 0.6
        (2700, 8, 7, True, 1, 0),  # 8 * 0.25 + 7 = 9
        (3599, 10, 9, True, 0, 0),  # the previous window is nearly out
        (3599, 10, 10, False, 0, 1),
    ],
)
def test_sliding_window_verdicts(
    elapsed: int, previous: int, current: int, allowed: bool, remaining: int, retry_after: int
) -> None:
    verdict = judge(HOUR, WindowCounts(1000, current, previous), START + elapsed)
    assert (verdict.allowed, verdict.remaining, verdict.retry_after) == (
        allowed,
        remaining,
        retry_after,
    )


def test_reset_is_when_the_whole_limit_is_back() -> None:
    assert judge(HOUR, WindowCounts(1000, 1, 0), START + 10).reset_at == START + 2 * 3600
    assert judge(HOUR, WindowCounts(1000, 0, 3), START + 10).reset_at == START + 3600


def test_retry_after_is_exactly_when_one_more_fits() -> None:
    # Five went through halfway into the window (10 * 0.5 + 5 = 10); the sixth is refused.
    refused = judge(HOUR, WindowCounts(1000, 6, 10), START + 1800)
    assert not refused.allowed
    at = START + 1800 + refused.retry_after
    # The refused request is not kept: the retry is judged with the counts before it.
    assert judge(HOUR, WindowCounts(1000, 6, 10), at).allowed
    assert not judge(HOUR, WindowCounts(1000, 6, 10), at - 1).allowed


def test_a_limit_of_one_waits_a_whole_window() -> None:
    once = Quota("writes", limit=1, window_seconds=60)
    refused = judge(once, WindowCounts(10, 2, 0), 600)
    assert refused.retry_after == 120


@pytest.mark.parametrize(
    ("elapsed", "previous", "fitted"),
    [(0, 0, 10), (1800, 10, 5), (2700, 8, 8), (600, 3, 7)],  # previous * (1 - f) + fitted <= 10
)
def test_refusals_of_one_burst_do_not_count_each_other(
    elapsed: int, previous: int, fitted: int
) -> None:
    """Requests refused together were all counted before any was taken back: each sees the
    others in `current`, and must still be told the retry of a refusal alone."""
    now = START + elapsed
    assert judge(HOUR, WindowCounts(1000, fitted, previous), now).allowed
    alone = judge(HOUR, WindowCounts(1000, fitted + 1, previous), now)
    assert not alone.allowed
    for others in (1, 10, 500):
        in_burst = judge(HOUR, WindowCounts(1000, fitted + 1 + others, previous), now)
        assert in_burst.retry_after == alone.retry_after
