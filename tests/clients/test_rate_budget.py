"""The shared rate budget in one process: the bucket's grants, the gate's waits, its
deadline and its metric (on a virtual clock: no test here sleeps)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from prometheus_client import CollectorRegistry

from cad.errors import RateLimitedError
from cad.ratelimit import InProcessBuckets, RateGates, RateLimit, RateLimits
from cad.retry import Deadline, RetryPolicy, call_with_retries, current_deadline, deadline_scope
from cad.simulators.faults import RateLimitRule


class VirtualClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def most_in_any_window(grants: list[float], window_s: float) -> int:
    """The largest number of grants in a half-open window ``[t, t + window_s)``."""
    ordered = sorted(grants)
    return max(sum(1 for g in ordered if start <= g < start + window_s - 1e-9) for start in ordered)


def test_grants_as_fast_as_they_are_asked_never_exceed_burst_plus_rate_in_any_window() -> None:
    # Given a bucket of 10 a second in bursts of 4, on a virtual clock
    clock = VirtualClock()
    buckets = InProcessBuckets(clock)
    limit = RateLimit(per_second=10, burst=4)
    grants: list[float] = []
    # When 100 callers take a slot as fast as they can, each using it when told
    for _ in range(100):
        wait = buckets.reserve("pagerduty", "token", limit, max_wait_s=60)
        assert wait is not None
        clock.sleep(wait)
        grants.append(clock.now)
    # Then the first four go at once, the rest one every tenth of a second
    assert grants[:4] == pytest.approx([1000.0] * 4)
    assert grants[4] == pytest.approx(1000.1)
    assert grants[-1] == pytest.approx(1000.0 + 9.6)
    # And no window holds more than the burst plus the rate times its length (less one)
    for window in (0.1, 0.5, 1.0, 3.0):
        assert most_in_any_window(grants, window) <= 4 + round(10 * window) - 1


def test_reservations_made_at_once_are_spread_over_time_in_the_order_they_were_made() -> None:
    clock = VirtualClock()
    buckets = InProcessBuckets(clock)
    limit = RateLimit(per_second=2, burst=1)
    waits = [buckets.reserve("cloudtrail", "123/us-east-1", limit, 60) for _ in range(4)]
    assert waits == [0.0, 0.5, 1.0, 1.5]


def test_each_key_has_its_own_bucket() -> None:
    buckets = InProcessBuckets(VirtualClock())
    limit = RateLimit(per_second=1, burst=1)
    assert buckets.reserve("cloudtrail", "111/us-east-1", limit, 60) == 0.0
    assert buckets.reserve("cloudtrail", "222/us-east-1", limit, 60) == 0.0
    assert buckets.reserve("cloudtrail", "111/us-east-1", limit, 60) == 1.0


def test_a_slot_further_away_than_the_caller_may_wait_is_refused_and_not_reserved() -> None:
    clock = VirtualClock()
    buckets = InProcessBuckets(clock)
    limit = RateLimit(per_second=1, burst=1)
    assert buckets.reserve("ocm", "client", limit, 60) == 0.0
    assert buckets.reserve("ocm", "client", limit, max_wait_s=0.5) is None
    assert buckets.reserve("ocm", "client", limit, max_wait_s=5) == 1.0  # the refused took none


def test_the_documented_limits_are_the_defaults_and_no_window_of_theirs_can_be_exceeded() -> None:
    limits = RateLimits()
    assert (limits.pagerduty_per_minute, limits.cloudtrail_per_second) == (960, 2)
    for api, requests, window in (("pagerduty", 960, 60.0), ("cloudtrail", 2, 1.0)):
        limit = limits.for_api(api)
        assert limit.burst + limit.per_second * window - 1 <= requests
    assert RateLimits(ocm_per_second=0).for_api("ocm").unlimited


Lateness = Callable[[int, float], float]
"""How late call ``n``, whose slot is ``t`` seconds after the first call's, reaches the
service."""


def arrivals_at_the_service(limit: RateLimit, calls: int, lateness: Lateness) -> list[float]:
    """When ``calls`` calls, each taking its slot as soon as the one before has its own,
    reach the service (``lateness`` after their slots)."""
    clock = VirtualClock()
    buckets = InProcessBuckets(clock)
    start = clock.now
    arrivals = []
    for n in range(calls):
        wait = buckets.reserve("api", "key", limit, max_wait_s=1e9)
        assert wait is not None
        clock.sleep(wait)
        arrivals.append(clock.now + lateness(n, clock.now - start))
    return sorted(arrivals)


def refused_by_the_service(arrivals: list[float], requests: int, window_s: float) -> int:
    """How many of ``arrivals`` the simulators' own rate limit (a sliding log of
    ``requests`` in any ``window_s`` seconds, as the services count) would refuse."""
    now = [0.0]
    rule = RateLimitRule(requests, window_s, clock=lambda: now[0])
    refused = 0
    for arrival in arrivals:
        now[0] = arrival
        refused += rule.admit("key") is not None
    return refused


LATE_PATTERNS: dict[str, Lateness] = {
    "every other call a second late": lambda n, _t: 0.999 if n % 2 == 0 else 0.0,
    "every third call a second late": lambda n, _t: 0.999 if n % 3 == 0 else 0.0,
    "a second late when granted in an even second": lambda _n, t: 0.999 * (int(t) % 2 == 0),
    "late by a random share of a second": lambda n, _t: random.Random(n).uniform(0.0, 0.999),
    "later and later, then on time": lambda n, _t: (n % 7) / 7,
}


@pytest.mark.parametrize("pattern", LATE_PATTERNS)
@pytest.mark.parametrize(
    ("api", "requests", "window_s"),
    [("cloudtrail", 2, 1.0), ("ocm", 50, 1.0), ("pagerduty", 960, 60.0)],
)
def test_calls_reaching_the_service_up_to_a_second_after_their_slots_are_never_refused(
    api: str, requests: int, window_s: float, pattern: str
) -> None:
    # Given CAD's default budget of an API, and the service's own limit as the simulator
    # enforces it (CloudTrail 2 a second, OCM 50 a second, PagerDuty 960 a minute)
    limit = RateLimits().for_api(api)
    # When calls take their slots back to back and reach the service up to a second late
    # (a busy worker, a slow connection), some behind calls granted after them
    arrivals = arrivals_at_the_service(limit, 3 * requests, LATE_PATTERNS[pattern])
    # Then no window of the service's ever holds more than its limit: nothing is refused
    assert refused_by_the_service(arrivals, requests, window_s) == 0


def test_a_budget_with_only_a_tenth_of_a_second_to_spare_is_refused_when_calls_arrive_late() -> (
    None
):
    # Given CloudTrail's 2 a second, budgeted 10 % below it as before (0.56 s apart)
    limit = RateLimit.per_window(2, 1.0, lateness_s=0.0)
    assert limit.per_second == pytest.approx(1.8)
    # When every third call reaches CloudTrail half a second after its slot
    arrivals = arrivals_at_the_service(limit, 20, lambda n, _t: 0.5 if n % 3 == 0 else 0.0)
    # Then it lands in one second with the two calls after it, and one of them is refused
    assert refused_by_the_service(arrivals, 2, 1.0) > 0


def test_the_gate_waits_for_its_slot_and_counts_the_wait_per_api() -> None:
    # Given the gates on a virtual clock, CloudTrail at 2 a second
    clock = VirtualClock()
    registry = CollectorRegistry()
    gates = RateGates(
        InProcessBuckets(clock),
        RateLimits(cloudtrail_per_second=2),
        registry=registry,
        sleep=clock.sleep,
    )
    # When three lookups go out at once
    for _ in range(3):
        gates["cloudtrail"].call("123/us-east-1", "CloudTrail LookupEvents", lambda: None)
    # Then the second and third waited for their slots, and the metric says how long
    assert len(clock.slept) == 2
    waited = registry.get_sample_value("cad_rate_limit_wait_seconds_total", {"api": "cloudtrail"})
    assert waited == pytest.approx(sum(clock.slept))
    assert waited == pytest.approx(2 / 1.0)  # a second apart: room for a call a second late


def test_a_wait_that_would_cross_the_deadline_of_the_retry_loop_fails_at_once() -> None:
    # Given a CloudTrail budget whose next slot is more than a second away
    clock = VirtualClock()
    gates = RateGates(
        InProcessBuckets(clock), RateLimits(cloudtrail_per_second=1), sleep=clock.sleep
    )
    gate = gates["cloudtrail"]
    gate.call("k", "CloudTrail LookupEvents", lambda: None)
    gate.call("k", "CloudTrail LookupEvents", lambda: None)
    # When a call runs inside a retry loop with 0.5 s left
    with deadline_scope(Deadline(0.5, clock)), pytest.raises(RateLimitedError) as caught:
        gate.call("k", "CloudTrail LookupEvents", lambda: None)
    # Then it is refused as rate limited without waiting, naming the budget
    assert "shared cloudtrail rate budget" in str(caught.value)
    assert len(clock.slept) == 1


def test_a_429_is_waited_out_as_the_server_asks_and_sent_again() -> None:
    clock = VirtualClock()
    registry = CollectorRegistry()
    gates = RateGates(InProcessBuckets(clock), RateLimits(), registry=registry, sleep=clock.sleep)
    answers: list[Exception | str] = [
        RateLimitedError("slow down", system="ocm", endpoint="GET /x", retry_after=2.5),
        "ok",
    ]

    def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert gates["ocm"].call("client", "GET /x", call) == "ok"
    assert clock.slept == [2.5]
    assert registry.get_sample_value("cad_rate_limited_responses_total", {"api": "ocm"}) == 1


def test_a_retry_loop_lends_its_deadline_to_the_calls_inside_it() -> None:
    clock = VirtualClock()
    seen: list[float] = []

    def call() -> None:
        deadline = current_deadline()
        assert deadline is not None
        seen.append(deadline.remaining())

    call_with_retries(call, policy=RetryPolicy(deadline_s=30), clock=clock)
    with deadline_scope(Deadline(5, clock)):
        call_with_retries(call, policy=RetryPolicy(deadline_s=30), clock=clock)
    assert seen == [30, 5]  # an outer deadline that comes sooner wins
    assert current_deadline() is None
