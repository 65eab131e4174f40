"""CAD's one retry engine (``cad.retry``): one policy type, one switch for tests."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from cad.errors import PermanentError, TransientError
from cad.retry import GaveUpError, RetryPolicy, call_with_retries, retry_transient, set_testing

SLOW = RetryPolicy(max_attempts=4, deadline_s=600, initial_wait_s=30, max_wait_s=60, jitter_s=0)


def unavailable(retry_after: float | None = None) -> TransientError:
    return TransientError("503", system="ocm", endpoint="/x", status=503, retry_after=retry_after)


class Flaky:
    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


@pytest.fixture
def no_waiting() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def test_the_testing_switch_turns_real_waiting_off_and_keeps_the_attempts(
    no_waiting: None,
) -> None:
    # Given a call that fails transiently three times, under a policy waiting 30 s and more
    flaky = Flaky(3, unavailable())
    started = time.monotonic()
    # When it is retried with the testing switch on
    result, attempts = call_with_retries(flaky, policy=SLOW)
    # Then it succeeds on the fourth attempt without waiting the minutes the policy says
    assert (result, attempts, flaky.calls) == ("done", 4, 4)
    assert time.monotonic() - started < 5


def test_a_virtual_clock_still_sees_every_wait_with_the_switch_on(no_waiting: None) -> None:
    # Given a call that fails once with Retry-After: 45 s, and a virtual clock
    waits: list[float] = []
    # When it is retried
    call_with_retries(Flaky(1, unavailable(retry_after=45)), policy=SLOW, sleep=waits.append)
    # Then the clock was asked to wait as the server said (more than the 30 s backoff)
    assert waits == [45]


def test_the_last_attempt_gives_up_with_the_count_and_the_reason(no_waiting: None) -> None:
    # Given a call that always fails transiently
    with pytest.raises(GaveUpError) as gave_up:
        call_with_retries(Flaky(99, unavailable()), policy=SLOW)
    # Then the report says how many attempts were made, and why it stopped
    assert (gave_up.value.attempts, gave_up.value.why) == (4, "gave up after 4 attempts")


def test_a_best_effort_read_raises_its_own_last_error(no_waiting: None) -> None:
    # Given a read that fails permanently after one transient failure
    flaky = Flaky(1, unavailable())
    refused = PermanentError("gone", system="ocm", endpoint="/x", status=404)

    def read() -> str:
        flaky()
        raise refused

    # When it is read with retry_transient
    with pytest.raises(PermanentError) as raised:
        retry_transient(read)
    # Then the caller sees the read's error itself (not a wrapper), after two attempts
    assert raised.value is refused
    assert flaky.calls == 2
