"""Running one investigation: fresh resources per attempt, retries for infrastructure
errors with backoff inside a deadline, cleanup whatever happens."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
import tenacity

from cad.actions import escalate, note
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import FindingError, is_retryable
from cad.investigations.framework.resources import Resources

__all__ = ["RunPolicy", "run_investigation"]

log = structlog.get_logger("cad.runner")


@dataclass(frozen=True)
class RunPolicy:
    """Attempts, backoff and the deadline of one investigation's retries."""

    max_attempts: int = 4
    deadline_s: float = 300.0
    initial_wait_s: float = 1.0
    max_wait_s: float = 10.0


def _finding(investigation: str, error: FindingError) -> Result:
    text = f"⚠️ {investigation}: {error}"
    return Result(
        actions=[note(text), escalate(f"{investigation}: investigation finding needs a human")]
    )


def run_investigation(
    investigation: Investigation,
    make_resources: Callable[[], Resources],
    *,
    policy: RunPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[Result, int]:
    """Run with retries; return the result and the number of attempts.

    Retried: infrastructure errors and resource errors with a transient cause, each attempt
    with new resources. A finding error that escapes ``run`` becomes a note and an
    escalation. Anything else, and retries exhausted, raise (the controller escalates).
    """
    policy = policy or RunPolicy()
    deadline = clock() + policy.deadline_s
    attempts = 0

    def attempt() -> Result:
        nonlocal attempts
        attempts += 1
        resources = make_resources()
        try:
            return investigation.run(resources)
        except FindingError as error:
            return _finding(investigation.name, error)
        finally:
            resources.cleanup()

    class crosses_deadline(tenacity.stop.stop_base):  # noqa: N801  # reads as a condition
        def __call__(self, state: tenacity.RetryCallState) -> bool:
            return clock() + state.upcoming_sleep >= deadline

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "investigation attempt failed, retrying",
            investigation=investigation.name,
            attempt=state.attempt_number,
            error=str(error),
            wait_s=round(state.upcoming_sleep, 2),
        )

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_retryable),
        stop=tenacity.stop_any(
            tenacity.stop_after_attempt(policy.max_attempts), crosses_deadline()
        ),
        wait=tenacity.wait_exponential_jitter(
            multiplier=policy.initial_wait_s,
            max=policy.max_wait_s,
            jitter=min(0.5, policy.initial_wait_s),
        ),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    result = retrying(attempt)
    return result, attempts
