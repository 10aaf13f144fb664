"""Clocks: the real one, and the console's demo clock that can be moved forward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetClock:
    """Another clock plus an offset: `/tijd +4w` in the console moves it four weeks on."""

    def __init__(self, offset: timedelta = timedelta(0), source: Callable[[], datetime] | None = None) -> None:
        self.offset = offset
        self.source = source or SystemClock().now

    def now(self) -> datetime:
        return self.source() + self.offset
