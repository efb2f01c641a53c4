"""An outage is logged when it starts, then once per interval with the count of failures."""

from __future__ import annotations

import logging

import pytest

from app.storage.outages import OutageLog


def test_one_line_per_interval_with_the_count(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    log = OutageLog(logging.getLogger("test.outages"), interval_seconds=10, clock=lambda: now[0])
    with caplog.at_level(logging.ERROR, logger="test.outages"):
        for second in range(25):  # four failures a second for 25 s
            now[0] = float(second)
            for _ in range(4):
                log.failed("database", ConnectionRefusedError())
        now[0] = 100.0  # long after: a new outage
        log.failed("database", TimeoutError())

    assert [record.getMessage() for record in caplog.records] == [
        "database unavailable (ConnectionRefusedError)",
        "database still unavailable: 40 requests failed in the last 10 s (ConnectionRefusedError)",
        "database still unavailable: 40 requests failed in the last 10 s (ConnectionRefusedError)",
        "database unavailable (TimeoutError)",
    ]
    assert all(record.exc_info is None for record in caplog.records)
