"""The simulated world's clock: real time, a fixed instant that moves with real time, or a
frozen instant (a scenario's: its notes and reports do not depend on how fast it ran)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["SimClock"]


class SimClock:
    """``now()`` is real time plus an offset; ``set(instant)`` makes now be that instant."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._frozen: datetime | None = None

    def set(self, instant: datetime | None) -> None:
        """Make ``now()`` equal ``instant`` from this moment on, moving with real time
        (``None``: real time). Unfreezes."""
        self._frozen = None
        self._offset = timedelta(0) if instant is None else instant - datetime.now(UTC)

    def freeze(self) -> None:
        """Stop the clock at the current simulated time until the next ``set``. Deadlines and
        timeouts run on the monotonic clock, so nothing waits for this one to move."""
        self._frozen = self.now()

    def now(self) -> datetime:
        """The current simulated time (timezone-aware, UTC)."""
        if self._frozen is not None:
            return self._frozen
        return datetime.now(UTC) + self._offset

    def epoch(self) -> float:
        """``now()`` as seconds since the epoch."""
        return self.now().timestamp()
