"""The investigation framework: resources, errors, infrastructure detection, runner, registry."""

from __future__ import annotations

import pytest

from cad.actions import note
from cad.clients.ocm.models import Account
from cad.domain import InfraStatus
from cad.errors import NotFoundError, ServerError
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import (
    AwsClientError,
    ClusterLookupError,
    FindingError,
    InfrastructureError,
    KubeClientError,
    OwnerLookupError,
    RestConfigError,
    cluster_access_message,
    is_retryable,
)
from cad.investigations.framework.registry import UnknownInvestigationError
from cad.investigations.framework.resources import Resources
from cad.investigations.framework.runner import run_investigation
from cad.investigations.registry import REGISTRY
from cad.retry import RetryPolicy
from cad.testing import VirtualClock
from cad.testing.readers import FakeWorld, cluster
from tests.investigations.helpers import ORIGINAL_ORDER

BOOM = ServerError("boom", system="x", endpoint="GET /", status=503)


def test_resources_are_built_on_request_and_cached() -> None:
    world = FakeWorld()
    resources = world.resources("chgm")
    assert world.calls == []
    assert resources.cluster.id == "c1"
    assert resources.cluster_deployment.infra_id == "my-cluster-x7k2p"
    _ = resources.cluster, resources.cluster_deployment, resources.aws, resources.aws
    assert world.calls.count("find_cluster") == 1
    assert world.calls.count("get_cluster_deployment") == 1
    assert world.calls.count("aws_client") == 1


def test_a_failed_resource_is_not_cached_so_the_next_request_builds_again() -> None:
    world = FakeWorld()
    world.fail["aws_client"] = BOOM
    resources = world.resources("chgm")
    with pytest.raises(AwsClientError) as caught:
        _ = resources.aws
    assert caught.value.cluster_id == "c1"
    assert caught.value.cause is BOOM
    del world.fail["aws_client"]
    assert resources.aws is world


def test_the_owner_is_the_creator_of_an_active_subscription() -> None:
    # Given a cluster whose subscription was created by a banned account
    world = FakeWorld(owner=Account(id="acc-7", email="o@example.com", banned=True))
    # When its owner is asked for twice
    resources = world.resources("upgradeconfigsyncfailureover4hr")
    first, second = resources.owner(), resources.owner()
    # Then the account comes back, looked up once
    assert first.id == "acc-7"
    assert first.banned
    assert first is second
    assert world.calls.count("get_account") == 1


def test_an_owner_behind_an_inactive_subscription_is_an_owner_lookup_error() -> None:
    world = FakeWorld(subscription_status="Deprovisioned")
    with pytest.raises(OwnerLookupError, match="expecting status 'Active' found 'Deprovisioned'"):
        world.resources("x").owner()


@pytest.mark.parametrize(
    ("call", "attribute", "error"),
    [
        ("find_cluster", "cluster", ClusterLookupError),
        ("open_kube", "kube", RestConfigError),
        ("kube_client", "kube", KubeClientError),
    ],
)
def test_each_resource_failure_has_its_own_error_type(
    call: str, attribute: str, error: type
) -> None:
    world = FakeWorld()
    world.fail[call] = BOOM
    with pytest.raises(error):
        getattr(world.resources("x"), attribute)


def test_cluster_type_detection_marks_infrastructure_clusters_and_fails_closed() -> None:
    assert FakeWorld(infrastructure=True).resources("x").infra_status is InfraStatus.YES
    assert FakeWorld().resources("x").infra_status is InfraStatus.NO
    failing = FakeWorld()
    failing.fail["is_infrastructure_cluster"] = BOOM
    assert failing.resources("x").infra_status is InfraStatus.UNKNOWN
    hcp = FakeWorld(cluster=cluster(hcp=True))
    hcp.fail["is_infrastructure_cluster"] = BOOM
    assert hcp.resources("x").infra_status is InfraStatus.NO
    assert "is_infrastructure_cluster" not in hcp.calls


def test_cleanup_closes_every_remediation_opened() -> None:
    world = FakeWorld()
    resources = world.resources("clustermonitoringerrorbudgetburn")
    _ = resources.kube
    resources.cleanup()
    assert world.opened == world.closed == ["rem-1"]


def test_access_failures_have_the_originals_messages() -> None:
    assert cluster_access_message(RestConfigError("c1", BOOM)) == (
        "CAD was unable to get credentials to the cluster. Please investigate manually."
    )
    assert cluster_access_message(KubeClientError("c1", BOOM)) == (
        "CAD was unable to access cluster's kube-api. Please investigate manually."
    )
    assert cluster_access_message(BOOM) is None


def test_retryable_means_infrastructure_or_a_resource_with_a_transient_cause() -> None:
    assert is_retryable(InfrastructureError("x", BOOM))
    assert is_retryable(AwsClientError("c1", BOOM))
    assert not is_retryable(AwsClientError("c1", NotFoundError("n", system="x", endpoint="GET /")))
    assert not is_retryable(FindingError("x"))
    assert not is_retryable(ValueError("bug"))


class Flaky(Investigation):
    """Fails with an infrastructure error until ``failures`` attempts have passed."""

    name = "flaky"
    description = "test"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.resources_seen: list[Resources] = []

    def run(self, resources: Resources) -> Result:
        self.resources_seen.append(resources)
        _ = resources.kube
        if len(self.resources_seen) <= self.failures:
            raise InfrastructureError("AWS API failure", BOOM)
        return Result(actions=[note("done")])


def test_the_runner_retries_infrastructure_errors_with_fresh_resources_and_cleans_up() -> None:
    world = FakeWorld()
    flaky = Flaky(failures=2)
    clock = VirtualClock()
    result, attempts = run_investigation(
        flaky, lambda: world.resources("flaky"), sleep=clock.sleep, clock=clock
    )
    assert attempts == 3
    assert [a.action_type for a in result.actions] == ["pagerduty_note"]
    assert len({id(r) for r in flaky.resources_seen}) == 3
    assert world.opened == world.closed  # every attempt's remediation closed
    assert len(clock.sleeps) == 2


def test_the_runner_gives_up_at_the_deadline_and_raises() -> None:
    clock = VirtualClock()
    with pytest.raises(InfrastructureError):
        run_investigation(
            Flaky(failures=99),
            lambda: FakeWorld().resources("flaky"),
            policy=RetryPolicy(max_attempts=50, deadline_s=10, initial_wait_s=2, max_wait_s=4),
            sleep=clock.sleep,
            clock=clock,
        )
    assert clock.now <= 10


class Finds(Investigation):
    name = "finds"
    description = "test"

    def run(self, resources: Resources) -> Result:
        raise FindingError("CloudTrail data too old", "i-1")


def test_a_finding_that_escapes_run_becomes_a_note_and_an_escalation() -> None:
    result, attempts = run_investigation(Finds(), lambda: FakeWorld().resources("finds"))
    assert attempts == 1
    assert [a.action_type for a in result.actions] == ["pagerduty_note", "escalate_incident"]


class Broken(Investigation):
    name = "broken"
    description = "test"

    def run(self, resources: Resources) -> Result:
        raise KeyError("bug")


def test_any_other_error_is_raised_at_once_for_the_controller() -> None:
    world = FakeWorld()
    with pytest.raises(KeyError):
        run_investigation(Broken(), lambda: world.resources("broken"))


def test_the_registry_finds_investigations_by_name_or_alias() -> None:
    assert REGISTRY.names() == ORIGINAL_ORDER
    assert REGISTRY.resolve("cmbb").name == "clustermonitoringerrorbudgetburn"
    assert REGISTRY.resolve("chgm").name == "chgm"
    with pytest.raises(UnknownInvestigationError) as caught:
        REGISTRY.resolve("nope")
    message = str(caught.value)
    assert "unknown investigation 'nope'" in message
    assert "clustermonitoringerrorbudgetburn (cmbb)" in message
