"""Shared rate budgets for the APIs CAD calls: one token bucket per API and key (a PagerDuty
token, an OCM client, a CloudTrail account and region), shared by every worker.

The bucket is a GCRA (generic cell rate algorithm): it keeps one number per bucket, the
*theoretical arrival time* ``tat``. A request arriving at ``now`` is granted the slot
``max(now, tat - (burst - 1) * interval)`` and moves ``tat`` to ``max(tat, now) + interval``;
a caller whose slot lies in the future sleeps until it (a reservation: FIFO, one round trip
per call). No window of ``W`` seconds ever holds more than ``burst + rate * W`` grants.

Where the buckets live: in this process (:class:`InProcessBuckets`, SQLite and one-shot
runs) or in PostgreSQL (:class:`cad.store.ratelimit.StoreRateBuckets`, every worker on every
machine). :class:`RateGate` puts a client's calls through a bucket: it waits for the slot,
within the deadline of the retry loop around the call (:func:`cad.retry.current_deadline`),
and when the server still answers 429 it waits as asked and sends again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from prometheus_client import CollectorRegistry, Counter

from cad.errors import RateLimitedError
from cad.retry import current_deadline, pause

__all__ = [
    "InProcessBuckets",
    "RateBuckets",
    "RateGate",
    "RateGates",
    "RateLimit",
    "RateLimits",
    "bucket_key",
]

T = TypeVar("T")

MARGIN = 0.1
"""The share of each documented rate CAD leaves unused."""

LATENESS_S = 1.0
"""How long after its slot a call may reach the service (a busy worker, a slow connection,
a queue at the service's door) without pushing one of the service's windows over. On a
1-second window, 10 % of the rate is 0.1 s of slack: a 500-incident burst on a busy 2-core
machine saw CloudTrail calls arrive up to half a second behind their slots."""


@dataclass(frozen=True)
class RateLimit:
    """``per_second`` sustained, ``burst`` at once; ``per_second`` 0 means unlimited."""

    per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.per_second < 0 or self.burst < 1:
            raise ValueError(f"a rate limit needs per_second >= 0 and burst >= 1, got {self}")

    @property
    def unlimited(self) -> bool:
        """Whether calls are never held back."""
        return self.per_second == 0

    @property
    def interval(self) -> float:
        """Seconds between two grants once the burst is spent."""
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        """How far ahead of ``tat`` a grant may be: the burst, in seconds."""
        return (self.burst - 1) * self.interval

    @classmethod
    def per_window(
        cls,
        requests: int,
        window_s: float,
        *,
        burst: int = 1,
        margin: float = MARGIN,
        lateness_s: float = LATENESS_S,
    ) -> RateLimit:
        """At most ``requests`` in any ``window_s`` seconds, ``burst`` of them at once. The
        sustained rate leaves room for the burst in a window stretched by ``lateness_s``
        (``burst + rate * (window + lateness) - 1 <= requests``): calls that reach the
        service up to that long after their slots, behind calls granted later, still find
        each of its windows within the limit; and it keeps ``margin`` of the rate free.
        Whichever is slower wins: lateness on short windows (CloudTrail's second), the
        margin on long ones (PagerDuty's minute)."""
        if requests <= 0:
            return cls(0.0)
        burst = max(1, min(burst, requests))
        room = requests - burst + 1
        return cls(min(room / window_s * (1.0 - margin), room / (window_s + lateness_s)), burst)


@dataclass(frozen=True)
class RateLimits:
    """The budget of each API CAD rate-limits; 0 turns one off.

    Defaults are the services' documented limits: PagerDuty's REST API allows 960 requests
    a minute per API key, CloudTrail's ``LookupEvents`` 2 a second per account and region.
    OCM publishes none; 50 a second per client is our choice: above what PagerDuty's limit
    lets CAD run (a CHGM incident makes about 6 PagerDuty and 7 or 8 OCM calls), so OCM is never
    the bottleneck, yet a burst cannot hammer it. Bursts are a sixteenth of PagerDuty's
    minute, a quarter of OCM's second, and one CloudTrail call; the sustained rates leave
    room for calls arriving a second late (:data:`LATENESS_S`) and stay 10 % below each
    (:data:`MARGIN`): PagerDuty about 811 a minute, OCM 19.5 a second, CloudTrail 1 a second.
    """

    pagerduty_per_minute: int = 960
    ocm_per_second: int = 50
    cloudtrail_per_second: int = 2

    def for_api(self, api: str) -> RateLimit:
        """The limit of ``api`` (``pagerduty``, ``ocm`` or ``cloudtrail``)."""
        if api == "pagerduty":
            per_minute = self.pagerduty_per_minute
            return RateLimit.per_window(per_minute, 60.0, burst=max(1, per_minute // 16))
        if api == "ocm":
            per_second = self.ocm_per_second
            return RateLimit.per_window(per_second, 1.0, burst=max(1, per_second // 4))
        if api == "cloudtrail":
            return RateLimit.per_window(self.cloudtrail_per_second, 1.0)
        raise ValueError(f"no rate limit is known for the API {api!r}")


class RateBuckets(Protocol):
    """Where the buckets live (this process, or the store shared by every worker)."""

    def reserve(self, api: str, key: str, limit: RateLimit, max_wait_s: float) -> float | None:
        """Reserve the next slot of bucket ``(api, key)``: the seconds to wait before using
        it, or ``None`` (nothing reserved) when that wait would exceed ``max_wait_s``."""
        ...


class InProcessBuckets:
    """Buckets in this process's memory, thread-safe; ``clock`` is monotonic seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tat: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def reserve(self, api: str, key: str, limit: RateLimit, max_wait_s: float) -> float | None:
        with self._lock:
            now = self._clock()
            tat = self._tat.get((api, key), now)
            wait = max(0.0, tat - limit.tolerance - now)
            if wait > max_wait_s:
                return None
            self._tat[(api, key)] = max(tat, now) + limit.interval
            return wait


def bucket_key(secret: str) -> str:
    """A bucket key for a credential: a short digest, so no secret reaches the store."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


class RateGate:
    """One API's calls through its shared bucket (implements the clients' ``gate``). A call
    waits within the deadline of the retry loop around it, else ``max_wait_s``."""

    def __init__(
        self,
        api: str,
        limit: RateLimit,
        buckets: RateBuckets,
        *,
        waited: Counter | None = None,
        throttled: Counter | None = None,
        sleep: Callable[[float], None] = pause,
        max_throttled: int = 5,
        default_retry_after_s: float = 1.0,
        max_wait_s: float = 60.0,
    ) -> None:
        self.api = api
        self.max_wait_s = max_wait_s
        """The longest wait of a call outside any retry loop (no deadline of its own)."""
        self.limit = limit
        self._buckets = buckets
        waited = waited or _wait_counter(None)
        throttled = throttled or _throttle_counter(None)
        self._waited = waited.labels(api)
        self._throttled = throttled.labels(api)
        self._sleep = sleep
        self._max_throttled = max_throttled
        self._default_retry_after_s = default_retry_after_s

    def _remaining(self) -> float:
        deadline = current_deadline()
        if deadline is None:
            return self.max_wait_s
        return max(0.0, deadline.remaining())

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._waited.inc(seconds)
            self._sleep(seconds)

    def acquire(self, key: str, endpoint: str) -> None:
        """Wait for a slot of bucket ``key``; :class:`RateLimitedError` (nothing reserved)
        when the wait would cross the deadline of the call's retry loop."""
        if self.limit.unlimited:
            return
        remaining = self._remaining()
        wait = self._buckets.reserve(self.api, key, self.limit, remaining)
        if wait is None:
            raise RateLimitedError(
                f"the shared {self.api} rate budget has no slot before the deadline "
                f"({remaining:.1f} s away)",
                system=self.api,
                endpoint=endpoint,
            )
        self._wait(wait)

    def call(self, key: str, endpoint: str, fn: Callable[[], T]) -> T:
        """``fn()`` once its slot comes; a 429 is waited out (its ``retry_after``, else a
        second) and sent again, up to ``max_throttled`` times and within the deadline."""
        throttled = 0
        while True:
            self.acquire(key, endpoint)
            try:
                return fn()
            except RateLimitedError as exc:
                self._throttled.inc()
                throttled += 1
                wait = exc.retry_after if exc.retry_after is not None else 0.0
                wait = max(wait, self._default_retry_after_s)
                if throttled >= self._max_throttled or wait >= self._remaining():
                    raise
                self._wait(wait)


def _wait_counter(registry: CollectorRegistry | None) -> Counter:
    return Counter(
        "cad_rate_limit_wait_seconds",
        "Seconds spent waiting for a slot of an API's shared rate budget (or a 429's wait)",
        ["api"],
        registry=registry,
    )


def _throttle_counter(registry: CollectorRegistry | None) -> Counter:
    return Counter(
        "cad_rate_limited_responses",
        "429 (throttling) answers received despite the shared rate budget",
        ["api"],
        registry=registry,
    )


class RateGates:
    """The gates of one process, on one set of buckets, with their metrics:
    ``cad_rate_limit_wait_seconds_total`` and ``cad_rate_limited_responses_total``."""

    def __init__(
        self,
        buckets: RateBuckets,
        limits: RateLimits,
        *,
        registry: CollectorRegistry | None = None,
        sleep: Callable[[float], None] = pause,
    ) -> None:
        waited, throttled = _wait_counter(registry), _throttle_counter(registry)
        self.gates = {
            api: RateGate(
                api, limits.for_api(api), buckets, waited=waited, throttled=throttled, sleep=sleep
            )
            for api in ("pagerduty", "ocm", "cloudtrail")
        }

    def __getitem__(self, api: str) -> RateGate:
        return self.gates[api]
