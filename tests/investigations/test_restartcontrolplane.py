"""restartcontrolplane through the scenario runner: a dry run writes nothing anywhere, a
re-delivered incident annotates the HostedCluster once."""

from __future__ import annotations

from cad.scenarios.model import Scenario, load_library
from cad.scenarios.runner import run_scenario
from cad.simulators.sandbox import Sandbox

CLUSTER_ID = "2abcdefghijklmnopqrstuvwxyz01234"


def scenario(name: str) -> Scenario:
    [found] = [s for s in load_library() if s.name == name]
    return found


def state_changes(sandbox: Sandbox) -> list[str]:
    """Every state-changing request the simulators accepted, but the opening and closing of
    read access (backplane remediations), which investigations do in a dry run too."""
    journals = [sandbox.ocm.writes, sandbox.pagerduty.writes, sandbox.backplane.writes]
    return [
        f"{record.method} {record.path}"
        for journal in journals
        for record in journal.records
        if "/backplane/remediation/" not in record.path
    ]


def test_a_dry_run_restart_writes_nothing_in_any_simulator(sandbox: Sandbox) -> None:
    result = run_scenario(scenario("restartcp-dry-run"), sandbox)
    assert result.passed, result.failed_checks
    assert state_changes(sandbox) == []
    assert sandbox.backplane.kube[f"{CLUSTER_ID}-management"].writes == []
    assert sandbox.backplane.open_remediations() == []


def test_a_redelivered_restart_annotates_the_hosted_cluster_once(sandbox: Sandbox) -> None:
    result = run_scenario(scenario("restartcp-redelivered"), sandbox)
    assert result.passed, result.failed_checks
    management = sandbox.backplane.kube[f"{CLUSTER_ID}-management"]
    assert [w["method"] for w in management.writes] == ["PATCH"]
    [hosted] = [o for o in management._objects if o["kind"] == "HostedCluster"]
    annotations = hosted["metadata"]["annotations"]
    assert annotations["hypershift.openshift.io/restart-date"] == "2026-11-29T10:00:00Z"
    assert "hypershift.openshift.io/control-plane-operator-image" in annotations
