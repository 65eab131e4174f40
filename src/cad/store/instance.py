"""One embedded server per SQLite database: a lock held for the life of the process.

A second ``cadctl serve`` on the same file would requeue the first one's deliveries in flight
and run them again; it must stop before it touches the store. The lock is an advisory
``flock`` on ``<database>.lock``: the kernel releases it when the process dies, however it
dies, so a crashed server never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from cad.errors import CADError

__all__ = ["ServerAlreadyRunningError", "ServerLock"]


class ServerAlreadyRunningError(CADError):
    """Another process already serves this SQLite database."""


class ServerLock:
    """The lock of the SQLite database at ``url``; a no-op for PostgreSQL (many servers and
    workers share it by design) and for in-memory databases."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        database = parsed.database if parsed.get_backend_name() == "sqlite" else None
        self.path = Path(f"{database}.lock") if database and database != ":memory:" else None
        self._fd: int | None = None

    def acquire(self) -> ServerLock:
        """Take the lock, or raise :class:`ServerAlreadyRunningError` at once."""
        if self.path is None or self._fd is not None:
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ServerAlreadyRunningError(
                f"another CAD server is already running on {self.path.with_suffix('')} "
                f"(it holds {self.path}); stop it first, or point CAD_DATABASE_PATH "
                "at another file"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Let the next server start (also done by the kernel when the process ends)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
