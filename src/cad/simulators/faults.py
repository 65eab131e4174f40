"""Fault injection for every simulator: latency, error statuses, 429 with Retry-After,
hangs, dropped connections and slow commits, per method and path pattern, set at run time;
and the services' own rate limits (:class:`RateLimitRule`), off unless a test or benchmark
turns them on."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Fault", "FaultBook", "FaultMiddleware", "RateLimitRule"]


class Fault(BaseModel):
    """One rule. ``path`` is a glob (``*`` matches across ``/``); ``times`` limits how many
    requests it hits (``None``: every one); ``probability`` hits only a share of them."""

    model_config = ConfigDict(extra="forbid")

    method: str = "*"
    path: str = "*"
    status: int | None = None
    times: int | None = Field(default=None, ge=0)
    retry_after: float | None = None
    latency_ms: int = Field(default=0, ge=0)
    hang: bool = False
    drop: bool = False
    probability: float = Field(default=1.0, ge=0.0, le=1.0)
    body: str | None = None
    """A raw body to answer with (status 200 unless ``status`` is set): malformed answers."""
    after_apply: bool = False
    """With ``status``: the request is handled first, then answered with ``status``: a write
    that took effect although its answer says it failed (the retry must find it done)."""
    process_after_ms: int = Field(default=0, ge=0)
    """The request is read whole at once, then handled this much later, whether or not the
    client still waits: a write that lands after the client timed out."""

    def matches(self, method: str, path: str) -> bool:
        """Whether the rule applies to this request."""
        return (
            self.method == "*" or self.method.upper() == method.upper()
        ) and fnmatch.fnmatchcase(path, self.path)


class RateLimitRule:
    """A service's rate limit: at most ``requests`` per key in any ``window_s`` seconds
    (a sliding log of the requests let through, as strict as a limit can be read); a
    request beyond it is refused with 429 and a ``Retry-After`` saying when a slot frees."""

    def __init__(
        self,
        requests: int,
        window_s: float,
        *,
        method: str = "*",
        path: str = "*",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.requests = requests
        self.window_s = window_s
        self.method = method
        self.path = path
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}

    def matches(self, method: str, path: str) -> bool:
        """Whether the limit counts this request."""
        return (
            self.method == "*" or self.method.upper() == method.upper()
        ) and fnmatch.fnmatchcase(path, self.path)

    def admit(self, key: str) -> float | None:
        """Count a request of ``key``; ``None`` if let through, else the seconds until one
        would be (not counted). Not thread-safe: the book holds its lock."""
        now = self._clock()
        seen = self._seen.setdefault(key, deque())
        while seen and seen[0] <= now - self.window_s:
            seen.popleft()
        if len(seen) < self.requests:
            seen.append(now)
            return None
        return max(0.001, seen[0] + self.window_s - now)


class FaultBook:
    """The faults of one simulator. Thread-safe; counts the requests each fault hit, and
    those its rate limits refused (``throttled``)."""

    def __init__(self, seed: int | None = None) -> None:
        self._faults: list[Fault] = []
        self._limits: list[RateLimitRule] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.hits = 0
        self.throttled = 0

    def limit_rate(
        self, requests: int, window_s: float, *, method: str = "*", path: str = "*"
    ) -> RateLimitRule:
        """Enforce a rate limit from now on (until :meth:`clear`)."""
        rule = RateLimitRule(requests, window_s, method=method, path=path)
        with self._lock:
            self._limits.append(rule)
        return rule

    def throttle(self, method: str, path: str, key: str) -> float | None:
        """``None`` when every rate limit lets the request of ``key`` through, else the
        ``Retry-After`` seconds of the 429 to answer."""
        with self._lock:
            for rule in self._limits:
                if rule.matches(method, path):
                    wait = rule.admit(key)
                    if wait is not None:
                        self.throttled += 1
                        return wait
        return None

    def add(self, fault: Fault | None = None, **fields: Any) -> Fault:
        """Add a fault (a :class:`Fault` or its fields)."""
        rule = fault or Fault(**fields)
        with self._lock:
            self._faults.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every fault and rate limit (and forget the requests they refused)."""
        with self._lock:
            self._faults.clear()
            self._limits.clear()
            self.throttled = 0

    def take(self, method: str, path: str) -> Fault | None:
        """The fault to apply to this request, if any (consuming one of its ``times``)."""
        with self._lock:
            for rule in self._faults:
                if rule.times == 0 or not rule.matches(method, path):
                    continue
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                if rule.times is not None:
                    rule.times -= 1
                self.hits += 1
                return rule
        return None


async def _discard(message: Any) -> None:
    """Swallow the application's own answer (it is replaced by an injected one)."""


ErrorBody = Callable[[int, str], tuple[dict[str, Any], dict[str, str]]]


class FaultMiddleware:
    """ASGI middleware applying a :class:`FaultBook`; ``error_body`` shapes error answers as
    the simulated API would (and may add headers such as PagerDuty's ``ratelimit-*``). Rate
    limits count per value of the ``rate_key`` header (PagerDuty: per token)."""

    def __init__(
        self,
        app: Any,
        book: FaultBook,
        error_body: ErrorBody,
        *,
        hang_s: float = 60.0,
        rate_key: str = "authorization",
    ) -> None:
        self.app = app
        self.book = book
        self.error_body = error_body
        self.hang_s = hang_s
        self.rate_key = rate_key.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = next((v for k, v in scope.get("headers", []) if k.lower() == self.rate_key), b"")
        wait = self.book.throttle(scope["method"], scope["path"], key.decode(errors="replace"))
        if wait is not None:
            await self._answer_error(Fault(retry_after=math.ceil(wait * 1000) / 1000), 429, send)
            return
        fault = self.book.take(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.process_after_ms:
            await self._process_later(fault.process_after_ms, scope, receive, send)
            return
        if fault.hang:
            await asyncio.sleep(self.hang_s)
            return
        if fault.drop:
            # Promise a body, send none, and fail: the server closes the connection mid-answer.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"100")],
                }
            )
            raise ConnectionAbortedError("injected dropped connection")
        if fault.body is not None:
            raw = fault.body.encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": fault.status or 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(raw)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": raw})
            return
        if fault.status is None:
            await self.app(scope, receive, send)
            return
        if fault.after_apply:
            await self.app(scope, receive, _discard)
        await self._answer_error(fault, fault.status, send)

    async def _process_later(self, delay_ms: int, scope: Any, receive: Any, send: Any) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
        await asyncio.sleep(delay_ms / 1000)
        pending = [{"type": "http.request", "body": body, "more_body": False}]

        async def replay() -> Any:
            # The client may be gone: the server handles what it read, as a real one would.
            return pending.pop() if pending else {"type": "http.disconnect"}

        async def answer(message: Any) -> None:
            try:
                await send(message)
            except OSError:
                return  # nobody listens any more

        await self.app(scope, replay, answer)

    async def _answer_error(self, fault: Fault, status: int, send: Any) -> None:
        body, extra = self.error_body(status, "injected fault")
        headers = [(b"content-type", b"application/json")]
        headers += [(k.encode(), v.encode()) for k, v in extra.items()]
        if fault.retry_after is not None:
            headers.append((b"retry-after", str(fault.retry_after).encode()))
        payload = json.dumps(body).encode()
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
