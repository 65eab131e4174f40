"""Request hooks: something a test does to a simulator's world once a matching request has
been answered (resolve the incident while CAD's run is under way, say)."""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RequestHook", "RequestHooks"]


@dataclass
class RequestHook:
    """``then`` is called after a request matching ``method`` and ``path`` (a glob) is
    answered; ``times`` limits how many requests fire it (``None``: every one)."""

    method: str
    path: str
    then: Callable[[], None]
    times: int | None = 1

    def fires(self, method: str, path: str) -> bool:
        """Whether this request fires the hook (consuming one of its ``times``)."""
        if self.times == 0 or self.method.upper() != method.upper():
            return False
        if not fnmatch.fnmatchcase(path, self.path):
            return False
        if self.times is not None:
            self.times -= 1
        return True


class RequestHooks:
    """The hooks of one simulator. Thread-safe."""

    def __init__(self) -> None:
        self._hooks: list[RequestHook] = []
        self._lock = threading.Lock()

    def add(
        self, method: str, path: str, then: Callable[[], None], *, times: int | None = 1
    ) -> RequestHook:
        """Add a hook."""
        hook = RequestHook(method, path, then, times)
        with self._lock:
            self._hooks.append(hook)
        return hook

    def clear(self) -> None:
        """Remove every hook."""
        with self._lock:
            self._hooks.clear()

    def answered(self, method: str, path: str) -> None:
        """A request was answered: call the hooks it fires (outside the lock)."""
        with self._lock:
            fired = [hook for hook in self._hooks if hook.fires(method, path)]
        for hook in fired:
            hook.then()
