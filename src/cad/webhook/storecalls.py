"""The receiver's way to the store: blocking store calls run on a bounded pool of threads,
never on the event loop, and the receiver stops waiting for them after a deadline."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from cad.store.db import StoreUnavailableError

__all__ = ["StoreCalls", "StoreTimeoutError"]

P = ParamSpec("P")
T = TypeVar("T")


class StoreTimeoutError(StoreUnavailableError):
    """The store did not answer within the receiver's deadline."""


class StoreCalls:
    """Runs store calls on ``threads`` threads and waits ``timeout_s`` at most for each
    (queueing for a thread included). A call given up on goes on in its thread until the
    store's own statement timeout ends it, so the pool stays bounded."""

    def __init__(self, timeout_s: float, threads: int = 8) -> None:
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="cad-store")

    async def __call__(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``call(*args, **kwargs)`` on the pool; :class:`StoreTimeoutError` past the deadline."""
        future = asyncio.get_running_loop().run_in_executor(
            self._pool, functools.partial(call, *args, **kwargs)
        )
        try:
            return await asyncio.wait_for(future, self.timeout_s)
        except TimeoutError:
            raise StoreTimeoutError(
                f"the store did not answer within {self.timeout_s:g} s"
            ) from None

    def close(self) -> None:
        """Stop taking calls; calls under way finish in their threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)
