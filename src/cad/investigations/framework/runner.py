"""Running one investigation: fresh resources per attempt, retries for infrastructure
errors with backoff inside a deadline (:mod:`cad.retry`), cleanup whatever happens."""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog

from cad.actions import escalate, note
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import FindingError, is_retryable
from cad.investigations.framework.resources import Resources
from cad.retry import GaveUpError, RetryPolicy, call_with_retries

__all__ = ["DEFAULT_POLICY", "run_investigation"]

log = structlog.get_logger("cad.runner")

DEFAULT_POLICY = RetryPolicy(deadline_s=300.0, initial_wait_s=1.0, max_wait_s=10.0, jitter_s=0.5)
"""An investigation's retries unless the runtime configuration says otherwise."""


def _finding(investigation: str, error: FindingError) -> Result:
    text = f"⚠️ {investigation}: {error}"
    return Result(
        actions=[note(text), escalate(f"{investigation}: investigation finding needs a human")]
    )


def run_investigation(
    investigation: Investigation,
    make_resources: Callable[[], Resources],
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[Result, int]:
    """Run with retries; return the result and the number of attempts.

    Retried: infrastructure errors and resource errors with a transient cause, each attempt
    with new resources. A finding error that escapes ``run`` becomes a note and an
    escalation. Anything else, and retries exhausted, raise the last error (the controller
    escalates). ``sleep`` and ``clock``: a virtual clock for tests of the waits.
    """

    def attempt() -> Result:
        resources = make_resources()
        try:
            return investigation.run(resources)
        except FindingError as error:
            return _finding(investigation.name, error)
        finally:
            resources.cleanup()

    def retrying(attempt_number: int, error: BaseException, wait_s: float) -> None:
        log.warning(
            "investigation attempt failed, retrying",
            investigation=investigation.name,
            attempt=attempt_number,
            error=str(error),
            wait_s=round(wait_s, 2),
        )

    try:
        return call_with_retries(
            attempt,
            policy=policy,
            retry_on=is_retryable,
            clock=clock,
            sleep=sleep,
            on_retry=retrying,
        )
    except GaveUpError as failure:
        raise failure.error from failure.error.__cause__
