"""CAD's one retry engine, on tenacity: what to retry is decided by exception type and HTTP
status (``retry_on``), how hard by a :class:`RetryPolicy`, bounded in attempts and by a
deadline that no wait may cross. A server's ``Retry-After`` is honoured.

Tests turn real waiting off with :func:`set_testing` (as stamina's testing switch); a
test that needs to see the waits injects a virtual clock's ``sleep`` instead, which is
called whatever the switch says.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from cad.errors import CADError, OutcomeUnknownError, TransientError, is_transient

__all__ = [
    "Deadline",
    "GaveUpError",
    "RetryPolicy",
    "call_with_retries",
    "is_testing",
    "pause",
    "retry_transient",
    "set_testing",
]

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts, the deadline of all of them, and the backoff between."""

    max_attempts: int = 4
    deadline_s: float = 120.0
    initial_wait_s: float = 0.5
    max_wait_s: float = 10.0
    jitter_s: float = 0.5
    unknown_outcome_wait_s: float = 10.0
    """After a write whose outcome is unknown (a timeout), the least wait before it is
    probed and applied again, unless it is idempotent: a write the server commits within
    this time after the client gave up is found by the probe instead of repeated."""


class Deadline:
    """A point in time on a monotonic clock."""

    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.expires_at = clock() + seconds

    def remaining(self) -> float:
        """Seconds left; negative once passed."""
        return self.expires_at - self._clock()


class GaveUpError(CADError):
    """A call failed for good: carries the last error, the attempts and why we stopped."""

    def __init__(self, error: BaseException, attempts: int, why: str) -> None:
        self.error = error
        self.attempts = attempts
        self.why = why
        super().__init__(f"{error} ({why})")


_testing = False


def set_testing(testing: bool) -> None:
    """Turn real waiting between attempts off (``True``) or on again. Attempts, deadlines and
    reports stay as they are; only ``time.sleep`` is skipped. For tests only."""
    global _testing  # one process-wide switch, as stamina's
    _testing = testing


def is_testing() -> bool:
    """Whether :func:`set_testing` turned real waiting off."""
    return _testing


def _real_sleep(seconds: float) -> None:
    if not _testing:
        time.sleep(seconds)


def pause(seconds: float) -> None:
    """Sleep ``seconds``, unless :func:`set_testing` turned real waiting off."""
    _real_sleep(seconds)


def _server_wait(exc: BaseException | None) -> float:
    if isinstance(exc, TransientError) and exc.retry_after is not None:
        return max(0.0, exc.retry_after)
    return 0.0


def call_with_retries(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    retry_on: Callable[[BaseException], bool] = is_transient,
    deadline: Deadline | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] | None = None,
    on_attempt: Callable[[int], None] = lambda _n: None,
    on_retry: Callable[[int, BaseException, float], None] = lambda _n, _e, _w: None,
    idempotent: bool = True,
) -> tuple[T, int]:
    """Call ``fn`` until it succeeds, fails with an error ``retry_on`` refuses, runs out of
    attempts, or the next wait would cross the deadline (``deadline``, else the policy's
    from now on ``clock``). Returns the result and the number of attempts; raises
    :class:`GaveUpError` otherwise. ``on_retry(attempt, error, wait)`` is called before each
    wait. When ``fn`` is not ``idempotent``, a failure whose outcome is unknown is followed
    by a wait of at least ``unknown_outcome_wait_s``.

    The first attempt runs directly (most calls succeed at once and tenacity's machinery
    costs tens of microseconds); a retried failure hands over to tenacity, which replays
    that failure as its own first attempt so that waits and stops count from attempt 1.
    """
    until = deadline or Deadline(policy.deadline_s, clock)
    on_attempt(1)
    try:
        return fn(), 1
    except Exception as exc:
        if not retry_on(exc) or policy.max_attempts <= 1:
            raise GaveUpError(exc, 1, _why(exc, 1, policy, retry_on)) from exc
        replay: list[Exception] = [exc]

    attempts = 1
    backoff = tenacity.wait_exponential_jitter(
        multiplier=policy.initial_wait_s, max=policy.max_wait_s, jitter=policy.jitter_s
    )

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        settle = 0.0
        if not idempotent and isinstance(exc, OutcomeUnknownError):
            settle = policy.unknown_outcome_wait_s
        return max(backoff(state), _server_wait(exc), settle)

    class crosses_deadline(tenacity.stop.stop_base):  # noqa: N801  # reads as a condition
        def __call__(self, state: tenacity.RetryCallState) -> bool:
            return state.upcoming_sleep >= until.remaining()

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if error is not None:
            on_retry(state.attempt_number, error, state.upcoming_sleep)

    def attempt() -> T:
        nonlocal attempts
        if replay:
            raise replay.pop()
        attempts += 1
        on_attempt(attempts)
        return fn()

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(retry_on),
        stop=tenacity.stop_any(
            tenacity.stop_after_attempt(policy.max_attempts), crosses_deadline()
        ),
        wait=wait,
        sleep=sleep or _real_sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return retrying(attempt), attempts
    except Exception as exc:
        raise GaveUpError(exc, attempts, _why(exc, attempts, policy, retry_on)) from exc


def retry_transient(fn: Callable[[], T], *, attempts: int = 4, wait_s: float = 0.2) -> T:
    """``fn()``, tried up to ``attempts`` times while it fails transiently (exponential
    backoff from ``wait_s``); the last error is raised. For best-effort reads whose failure
    changes what CAD does (a fail-closed default), so that one 503 does not."""
    policy = RetryPolicy(
        max_attempts=attempts,
        deadline_s=30.0,
        initial_wait_s=wait_s,
        max_wait_s=5.0,
        jitter_s=wait_s / 2,
    )
    try:
        return call_with_retries(fn, policy=policy)[0]
    except GaveUpError as failure:
        raise failure.error from failure.error.__cause__


def _why(
    exc: BaseException,
    attempts: int,
    policy: RetryPolicy,
    retry_on: Callable[[BaseException], bool],
) -> str:
    if not retry_on(exc):
        return "permanent error, not retried" if attempts == 1 else "permanent error"
    if attempts >= policy.max_attempts:
        return f"gave up after {attempts} attempts"
    return f"gave up after {attempts} attempt(s): the next retry would cross the deadline"
