"""The investigations through the real clients against the simulators (wiring, not logic)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cad.clients.factory import Clients, build_clients
from cad.investigations.chgm.investigation import Chgm
from cad.investigations.clustermonitoringerrorbudgetburn.investigation import (
    ClusterMonitoringErrorBudgetBurn,
)
from cad.investigations.framework.access import BackplaneAccessBroker
from cad.investigations.framework.resources import Resources
from cad.simulators.sandbox import Sandbox, SandboxEgressVerifier
from cad.simulators.world import (
    AwsSpec,
    CloudTrailEventSpec,
    ClusterSpec,
    EgressSpec,
    InstanceSpec,
    KubernetesSpec,
    WorldSpec,
)

from .helpers import ESCALATE_FLOW, LS_FLOW, note_text, types


@pytest.fixture
def clients(sandbox: Sandbox) -> Iterator[Clients]:
    built = build_clients(sandbox.settings())
    yield built
    built.close()


def resources(sandbox: Sandbox, clients: Clients, name: str) -> Resources:
    access = BackplaneAccessBroker(
        clients.backplane, clients.aws_credentials, aws_endpoint_url=sandbox.aws.url
    )
    return Resources(
        cluster_id="my-cluster",
        investigation=name,
        ocm=clients.ocm,
        access=access,
        egress=SandboxEgressVerifier(sandbox),
        now=sandbox.clock.now,
    )


def test_chgm_finds_the_customer_who_stopped_an_instance(
    sandbox: Sandbox, clients: Clients
) -> None:
    spec = ClusterSpec(
        id="2abcdefghijklmnopqrstuvwxyz01234",
        name="my-cluster",
        aws=AwsSpec(
            instances=[
                InstanceSpec(
                    id="i-0001",
                    name="my-cluster-x7k2p-master-0",
                    state="stopped",
                    stopped_at="-40m",
                ),
                InstanceSpec(id="i-0002", name="my-cluster-x7k2p-master-1", state="running"),
            ],
            cloudtrail=[
                CloudTrailEventSpec(
                    instance_id="i-0001",
                    time="-39m",
                    username="jdoe",
                    issuer_username="CustomerAdmin",
                )
            ],
        ),
    )
    sandbox.seed(WorldSpec(now="2026-11-29T10:00:00Z", clusters=[spec]))
    result = Chgm().run(resources(sandbox, clients, "chgm"))
    assert types(result) == LS_FLOW
    assert "with role 'CustomerAdmin'" in note_text(result)


def test_chgm_reports_blocked_egress_from_the_sandbox_world(
    sandbox: Sandbox, clients: Clients
) -> None:
    spec = ClusterSpec(
        id="c1", name="my-cluster", egress=EgressSpec(result="failure", unreachable=["quay.io:443"])
    )
    sandbox.seed(WorldSpec(clusters=[spec]))
    result = Chgm().run(resources(sandbox, clients, "chgm"))
    assert types(result) == [
        "backplane_report",
        "pagerduty_note",
        "service_log",
        "escalate_incident",
    ]


def test_cmbb_reads_the_monitoring_operator_through_a_remediation_and_closes_it(
    sandbox: Sandbox, clients: Clients
) -> None:
    operator = {
        "apiVersion": "config.openshift.io/v1",
        "kind": "ClusterOperator",
        "metadata": {"name": "monitoring"},
        "status": {"conditions": [{"type": "Available", "status": "True", "message": "ok"}]},
    }
    sandbox.seed(
        WorldSpec(
            clusters=[
                ClusterSpec(
                    id="c1", name="my-cluster", kubernetes=KubernetesSpec(objects=[operator])
                )
            ]
        )
    )
    found = resources(sandbox, clients, "clustermonitoringerrorbudgetburn")
    try:
        result = ClusterMonitoringErrorBudgetBurn().run(found)
    finally:
        found.cleanup()
    assert types(result) == ESCALATE_FLOW
    assert sandbox.backplane.open_remediations() == []
    [created] = sandbox.backplane.writes.matching("POST", "/backplane/remediation/c1")
    assert created.body == {"remediationName": "clustermonitoringerrorbudgetburn"}
