"""A clock tests can stop at a chosen instant; real time otherwise."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    def __init__(self) -> None:
        self._fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self._fixed or datetime.now(UTC)

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("a test clock needs an aware datetime")
        self._fixed = instant

    def reset(self) -> None:
        self._fixed = None
