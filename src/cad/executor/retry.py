"""Retries for transient failures: decided by exception type and HTTP status, bounded in
attempts and by a deadline that no wait may cross."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from cad.errors import CADError, OutcomeUnknownError, TransientError, is_transient

__all__ = ["Deadline", "GaveUpError", "RetryPolicy", "call_with_retries", "is_transient"]

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts per action, the deadline of a whole execution, backoff."""

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


def _server_wait(exc: BaseException | None) -> float:
    if isinstance(exc, TransientError) and exc.retry_after is not None:
        return max(0.0, exc.retry_after)
    return 0.0


class GaveUpError(CADError):
    """An action failed for good: carries the last error, the attempts and why we stopped."""

    def __init__(self, error: BaseException, attempts: int, why: str) -> None:
        self.error = error
        self.attempts = attempts
        self.why = why
        super().__init__(f"{error} ({why})")


def call_with_retries(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    deadline: Deadline,
    sleep: Callable[[float], None],
    on_attempt: Callable[[int], None] = lambda _n: None,
    idempotent: bool = True,
) -> tuple[T, int]:
    """Call ``fn`` until it succeeds, fails permanently, runs out of attempts, or the next
    wait would cross ``deadline``. Returns the result and the number of attempts; raises
    :class:`GaveUpError` otherwise. When ``fn`` is not ``idempotent``, a failure whose
    outcome is unknown is followed by a wait of at least ``unknown_outcome_wait_s``.

    The first attempt runs directly (most writes succeed at once and tenacity's machinery
    costs tens of microseconds); a transient failure hands over to tenacity, which replays
    that failure as its own first attempt so that waits and stops count from attempt 1.
    """
    on_attempt(1)
    try:
        return fn(), 1
    except Exception as exc:
        if not is_transient(exc) or policy.max_attempts <= 1:
            raise GaveUpError(exc, 1, _why(exc, 1, policy)) from exc
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
            return state.upcoming_sleep >= deadline.remaining()

    def attempt() -> T:
        nonlocal attempts
        if replay:
            raise replay.pop()
        attempts += 1
        on_attempt(attempts)
        return fn()

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_transient),
        stop=tenacity.stop_any(
            tenacity.stop_after_attempt(policy.max_attempts), crosses_deadline()
        ),
        wait=wait,
        sleep=sleep,
        reraise=True,
    )
    try:
        return retrying(attempt), attempts
    except Exception as exc:
        raise GaveUpError(exc, attempts, _why(exc, attempts, policy)) from exc


def _why(exc: BaseException, attempts: int, policy: RetryPolicy) -> str:
    if not is_transient(exc):
        return "permanent error, not retried" if attempts == 1 else "permanent error"
    if attempts >= policy.max_attempts:
        return f"gave up after {attempts} attempts"
    return f"gave up after {attempts} attempt(s): the next retry would cross the deadline"
