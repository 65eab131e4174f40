"""Retries only for transient failures, bounded by attempts and by the deadline."""

from __future__ import annotations

import httpx
import pytest

from cad.actions import limited_support, note
from cad.errors import PermanentError
from cad.executor import ExecutionOptions, Executor, Outcome, RetryPolicy, is_transient
from cad.testing import FakeOcm, FakePagerDuty, VirtualClock, permanent, rate_limited, transient

from .conftest import ContextFactory


def test_transient_503s_are_retried_until_the_write_succeeds(
    executor: Executor, context: ContextFactory, ocm: FakeOcm, clock: VirtualClock
) -> None:
    ocm.fail("post_limited_support_reason", transient(503), times=2)
    report = executor.execute([limited_support("LS", "d")], context())
    [record] = report.records
    assert record.outcome is Outcome.SUCCEEDED
    assert record.attempts == 3
    assert len(ocm.limited_support["c1"]) == 1
    assert len(clock.sleeps) == 2


def test_a_429_waits_at_least_as_long_as_the_server_asked(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty, clock: VirtualClock
) -> None:
    pagerduty.fail("add_note", rate_limited(retry_after=7.0))
    report = executor.execute([note("hello")], context())
    assert report.records[0].attempts == 2
    assert clock.sleeps
    assert clock.sleeps[0] >= 7.0


def test_a_permanent_failure_is_not_retried(
    executor: Executor, context: ContextFactory, ocm: FakeOcm, clock: VirtualClock
) -> None:
    ocm.fail("post_limited_support_reason", permanent(400))
    report = executor.execute([limited_support("LS", "d")], context())
    record = report.records[0]
    assert record.outcome is Outcome.FAILED
    assert record.attempts == 1
    assert record.reason == "permanent error, not retried"
    assert clock.sleeps == []
    # the failure reaches the incident in a note the executor adds
    assert report.records[1].type == "pagerduty_note"
    assert report.records[1].origin == "executor"
    assert "Failed: limited support 'LS'" in (report.records[1].preview or "")


def test_attempts_stop_at_the_maximum(
    executor: Executor, context: ContextFactory, ocm: FakeOcm
) -> None:
    ocm.fail("post_limited_support_reason", transient(500), times=10)
    record = executor.execute([limited_support("LS", "d")], context()).records[0]
    assert record.outcome is Outcome.FAILED
    assert record.attempts == 4
    assert record.reason == "gave up after 4 attempts"


def test_no_wait_crosses_the_deadline(context: ContextFactory, ocm: FakeOcm) -> None:
    clock = VirtualClock()
    ocm.fail("post_limited_support_reason", rate_limited(retry_after=50), times=10)
    options = ExecutionOptions(retry=RetryPolicy(max_attempts=10, deadline_s=120))
    with Executor(clock=clock, sleep=clock.sleep) as executor:
        record = executor.execute([limited_support("LS", "d")], context(), options).records[0]
    assert record.outcome is Outcome.FAILED
    assert record.attempts == 3  # waits of 50 s at t=0 and t=50; a third would end past 120
    assert "would cross the deadline" in (record.reason or "")
    assert clock.now <= 120


def test_retry_decisions_come_from_types_and_statuses_not_message_text() -> None:
    misleading = PermanentError(
        "timeout 429 rate limit connection refused status is 5",
        system="ocm",
        endpoint="POST /x",
        status=400,
    )
    assert not is_transient(misleading)
    assert not is_transient(ValueError("connection refused"))
    assert is_transient(httpx.ConnectError("boom"))
    assert is_transient(httpx.ReadTimeout("slow"))
    assert is_transient(ConnectionResetError())
    assert is_transient(transient(502))
    assert is_transient(rate_limited(None))


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_every_5xx_and_429_is_transient(status: int) -> None:
    assert is_transient(transient(status))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_client_errors_are_permanent(status: int) -> None:
    assert not is_transient(permanent(status))
