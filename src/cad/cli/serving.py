"""``cadctl serve``'s HTTP server: uvicorn, with a shutdown that leaves nothing behind.

uvicorn answers SIGTERM by closing its sockets and then raising the signal again, so the
process dies with 143 before the workers, the store and the sandbox are closed: runs stay
``running`` and temporary files stay on disk. :class:`GracefulServer` keeps the signal:
:meth:`~GracefulServer.run` returns, and the caller stops the service in order.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Generator
from types import FrameType

import uvicorn

__all__ = ["GracefulServer", "ignoring_signals"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class GracefulServer(uvicorn.Server):
    """A uvicorn server that stops accepting on SIGTERM or SIGINT and returns from
    :meth:`run`; ``stopped_by`` names the signal (``None``: it stopped for another reason)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stopped_by: signal.Signals | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Install the stop handlers while serving; restore the previous ones after, without
        raising the signal again (uvicorn's default)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self._stop) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        if self.should_exit and signum == signal.SIGINT:
            self.force_exit = True  # a second Ctrl-C: do not wait for open connections
        self.stopped_by = signal.Signals(signum)
        self.should_exit = True


@contextlib.contextmanager
def ignoring_signals() -> Generator[None, None, None]:
    """While the service drains (its grace period bounds the wait), a repeated SIGTERM does
    not cut it short; Ctrl-C still does."""
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
