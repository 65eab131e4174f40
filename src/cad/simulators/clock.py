"""The simulated world's clock: real time, or a fixed instant that moves with real time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

__all__ = ["SimClock"]


class SimClock:
    """``now()`` is real time plus an offset; ``set(instant)`` makes now be that instant."""

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def set(self, instant: datetime | None) -> None:
        """Make ``now()`` equal ``instant`` from this moment on (``None``: real time)."""
        self._offset = timedelta(0) if instant is None else instant - datetime.now(UTC)

    def now(self) -> datetime:
        """The current simulated time (timezone-aware, UTC)."""
        return datetime.now(UTC) + self._offset

    def epoch(self) -> float:
        """``now()`` as seconds since the epoch."""
        return time.time() + self._offset.total_seconds()
