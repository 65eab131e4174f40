"""The simulators enforce the services' rate limits (429 and Retry-After) when told to, and
CAD's clients, through their rate budgets, wait instead of failing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from cad.clients.aws import AwsClient
from cad.clients.factory import Clients, build_clients
from cad.clients.pagerduty import PagerDutyConnection, PagerDutyReader
from cad.errors import RateLimitedError
from cad.ratelimit import InProcessBuckets, RateGate, RateGates, RateLimit, RateLimits
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@pytest.fixture
def incident(sandbox: Sandbox) -> str:
    sandbox.create_incident(
        "Q1", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": "c"}]
    )
    return "Q1"


def pagerduty(sandbox: Sandbox, gate: RateGate | None) -> PagerDutyReader:
    settings = sandbox.settings()
    assert settings.pd_token is not None
    return PagerDutyReader(
        PagerDutyConnection(
            settings.pd_token.get_secret_value(),
            base_url=settings.pd_url,
            from_email=settings.pd_from,
            verify=settings.pd_ca_bundle or True,
            gate=gate,
            gate_key="token",
        )
    )


def test_beyond_its_limit_the_pagerduty_simulator_answers_429_with_retry_after(
    sandbox: Sandbox, incident: str
) -> None:
    # Given a PagerDuty simulator allowing 3 requests a second per token
    sandbox.faults("pagerduty").limit_rate(3, 1.0)
    reader = pagerduty(sandbox, gate=None)
    try:
        # When a client without a rate budget sends a fourth within the second
        for _ in range(3):
            reader.get_incident(incident)
        with pytest.raises(RateLimitedError) as caught:
            reader.get_incident(incident)
    finally:
        reader.conn.close()
    # Then it is refused with PagerDuty's 429, saying when a slot frees (within the second)
    assert caught.value.code == "2020"
    assert caught.value.retry_after is not None
    assert 0 < caught.value.retry_after <= 1.0
    assert sandbox.throttled()["pagerduty"] == 1


def test_cads_client_waits_out_the_429s_instead_of_failing(sandbox: Sandbox, incident: str) -> None:
    # Given a simulator allowing 2 requests each half second, and a client whose own budget
    # does not hold it back (so that the simulator's 429s are what it meets)
    sandbox.faults("pagerduty").limit_rate(2, 0.5)
    registry = CollectorRegistry()
    gates = RateGates(InProcessBuckets(), RateLimits(pagerduty_per_minute=0), registry=registry)
    reader = pagerduty(sandbox, gates["pagerduty"])
    try:
        # When it reads the incident six times in a row
        titles = [reader.get_incident(incident).title for _ in range(6)]
    finally:
        reader.conn.close()
    # Then every read succeeded, after waiting as the simulator asked
    assert titles == ["ClusterHasGoneMissing CRITICAL (1)"] * 6
    throttled = sandbox.throttled()["pagerduty"]
    assert throttled >= 2
    assert registry.get_sample_value(
        "cad_rate_limited_responses_total", {"api": "pagerduty"}
    ) == float(throttled)
    assert registry.get_sample_value("cad_rate_limit_wait_seconds_total", {"api": "pagerduty"})


def test_a_budget_within_the_services_limit_meets_no_429(sandbox: Sandbox, incident: str) -> None:
    # Given a simulator allowing 4 requests each half second, and CAD's budget for it
    sandbox.faults("pagerduty").limit_rate(4, 0.5)
    limit = RateLimit.per_window(4, 0.5, burst=2)
    reader = pagerduty(sandbox, RateGate("pagerduty", limit, InProcessBuckets()))
    try:
        # When it reads twelve times as fast as the budget lets it
        for _ in range(12):
            reader.get_incident(incident)
    finally:
        reader.conn.close()
    # Then the simulator refused none
    assert sandbox.throttled()["pagerduty"] == 0


@pytest.fixture
def clients_with_budgets(sandbox: Sandbox) -> Iterator[tuple[Clients, CollectorRegistry]]:
    registry = CollectorRegistry()
    built = build_clients(
        sandbox.settings(), gates=RateGates(InProcessBuckets(), RateLimits(), registry=registry)
    )
    yield built, registry
    built.close()


def aws_client(sandbox: Sandbox, clients: Clients) -> AwsClient:
    sandbox.add_cluster(ClusterSpec(id="c1", name="my-cluster"))  # the account must exist first
    return clients.aws_client("c1", "us-east-1")


def test_cloudtrail_at_its_real_limit_throttles_a_client_without_budget(
    sandbox: Sandbox, clients: Clients
) -> None:
    # Given the simulators enforcing the real limits: CloudTrail 2 lookups a second
    sandbox.enforce_rate_limits()
    aws = aws_client(sandbox, clients)
    try:
        # When a client without a rate budget looks up stop events twice (four lookups)
        aws.lookup_stop_events(NOW - timedelta(hours=2), NOW)
        with pytest.raises(RateLimitedError) as caught:
            aws.lookup_stop_events(NOW - timedelta(hours=2), NOW)
    finally:
        aws.close()
    # Then the third is throttled, as AWS does, with a wait
    assert caught.value.code == "Throttling"
    assert caught.value.retry_after is not None
    assert caught.value.retry_after <= 1.0
    assert sandbox.throttled()["cloudtrail"] == 1


def test_cloudtrail_at_its_real_limit_is_never_throttled_for_cads_budgeted_client(
    sandbox: Sandbox, clients_with_budgets: tuple[Clients, CollectorRegistry]
) -> None:
    # Given the real limits enforced, and CAD's clients with their default budgets
    sandbox.enforce_rate_limits()
    clients, registry = clients_with_budgets
    aws = aws_client(sandbox, clients)
    try:
        # When it looks up stop events twice in a row (four lookups in one account)
        for _ in range(2):
            aws.lookup_stop_events(NOW - timedelta(hours=2), NOW)
    finally:
        aws.close()
    # Then CloudTrail refused none: the client waited for its slots instead
    assert sandbox.throttled()["cloudtrail"] == 0
    waited = registry.get_sample_value("cad_rate_limit_wait_seconds_total", {"api": "cloudtrail"})
    assert waited is not None
    assert waited > 1.0
