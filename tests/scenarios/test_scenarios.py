"""Scenarios: the shipped library passes, the issue's format loads as written, malformed
files are refused naming file, line and field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cad.scenarios.model import (
    ActionExpectation,
    KubernetesExpectation,
    ObjectExpectation,
    RunSpec,
    Scenario,
    ScenarioError,
    SftpExpectation,
    load_library,
    load_scenario,
    load_scenarios,
)
from cad.scenarios.runner import ScenarioResult, run_scenario
from cad.simulators.sandbox import Sandbox

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CADCTL = str(Path(sys.executable).with_name("cadctl"))
LIBRARY = load_library()


def explain(result: ScenarioResult) -> str:
    return json.dumps(result.failed_checks, indent=1) + (result.error or "")


@pytest.mark.parametrize("scenario", LIBRARY, ids=lambda s: s.name)
def test_every_shipped_scenario_passes(sandbox: Sandbox, scenario: object) -> None:
    result = run_scenario(scenario, sandbox)  # type: ignore[arg-type]
    assert result.passed, explain(result)
    assert result.checks > 0


def test_the_library_covers_every_outcome_the_issue_lists() -> None:
    names = {s.name for s in LIBRARY}
    required = {
        "precheck-uninstalling", "precheck-unsupported-cloud", "precheck-access-protected",
        "precheck-access-protection-unknown", "ccam-credentials-removed",
        "ccam-credentials-removed-uninstalling", "ccam-credentials-removed-installing",
        "chgm-customer-stopped-instances", "chgm-egress-deadmanssnitch-blocked", "chgm-egress-blocked",
        "cmbb-uwm-configmap", "cmbb-uwm-alertmanager", "cmbb-uwm-prometheus", "cmbb-not-uwm",
        "executor-failed-limited-support-never-silenced", "executor-failed-note-never-silenced",
        "executor-transient-503-retried",
        "executor-429-retry-after-honoured", "executor-permanent-400-escalated",
        "executor-duplicates-skipped-on-redelivery", "dry-run-writes-nothing", "informing-stage",
        "infra-cluster-detected", "infra-cluster-unknown", "unhandled-alert", "no-cluster-id",
        "unknown-cluster",
    }  # fmt: skip
    assert required <= names, required - names


def test_the_library_covers_every_outcome_of_the_eight_cluster_api_investigations() -> None:
    # Each name is one outcome of an investigation of issue 15 (see its README).
    names = {s.name for s in LIBRARY}
    required = {
        "mhc-delete-failed-machines", "mhc-node-stuck-draining", "mhc-nodes-not-ready",
        "mhc-quota-and-red-hat-machines", "mhc-no-recommendations", "mhc-no-target-machines",
        "mhc-cluster-api-unavailable", "mhc-list-failure-retried", "mhc-list-failure-escalated",
        "describenodes-all-nodes", "describenodes-by-name", "describenodes-by-selector",
        "describenodes-worker-role", "describenodes-truncated-note",
        "describenodes-partial-failure", "describenodes-no-match", "describenodes-hcp-master",
        "describenodes-invalid-selector", "describenodes-cluster-api-unavailable",
        "pdb-no-stalled-drain", "pdb-customer-pdb-blocks-drain", "pdb-platform-pdb-blocks-drain",
        "pdb-stalled-without-blocking-pdb", "pdb-cluster-api-unavailable", "pdb-kube-api-failing",
        "certs-all-valid", "certs-expired-ingress-certificate", "certs-expiring-oauth-route",
        "certs-expired-intermediate", "certs-hcp-api-server-skipped",
        "certs-cluster-api-unavailable", "certs-manual-run",
        "insights-owner-banned", "insights-owner-lookup-failed",
        "insights-cluster-api-unavailable", "insights-no-operator", "insights-ocpbugs-22226",
        "insights-egress-passed", "insights-egress-blocked", "insights-egress-verifier-error",
        "insights-hcp-cluster",
        "updates-retrieved", "updates-version-not-found", "updates-remote-failed",
        "updates-egress-blocked", "updates-egress-verifier-error", "updates-no-cluster-version",
        "updates-cluster-api-unavailable", "updates-cluster-version-transient-error",
        "updates-hcp-cluster", "updates-manual-run",
        "ucsf-banned-owner", "ucsf-export-control-ban", "ucsf-owner-lookup-failed",
        "ucsf-pull-secret-matches", "ucsf-pull-secret-mismatch", "ucsf-pull-secret-missing",
        "ucsf-cluster-api-unavailable",
        "ocmagent-hcp-cluster", "ocmagent-egress-blocked", "ocmagent-egress-verifier-error",
        "ocmagent-banned-owner-experimental", "ocmagent-banned-owner-informing",
        "ocmagent-export-control-ban", "ocmagent-owner-lookup-failed",
        "ocmagent-pull-secret-matches", "ocmagent-pull-secret-mismatch",
        "ocmagent-cluster-api-unavailable",
    }  # fmt: skip
    assert required <= names, required - names


def test_a_scenario_written_from_the_issue_format_loads_and_runs(sandbox: Sandbox) -> None:
    path = FIXTURES / "issue6_example_scenario.yaml"
    scenario = load_scenario(path.read_text(), str(path))
    result = run_scenario(scenario, sandbox)
    assert result.passed, explain(result)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: x\nincident: {title: t}\nexpect: {colour: red}\n",
            "s.yaml:3: expect.colour: Extra inputs are not permitted",
        ),
        (
            "name: x\nincident: {title: t}\nworld:\n  clusters:\n    - id: c1\n      aws:\n        instances:\n          - {id: i-1, stopped_at: soon}\n",
            "s.yaml:8: world.clusters[0].aws.instances[0].stopped_at",
        ),
        (
            "name: x\nincident: {title: t}\nfaults:\n  - {system: dns, status: 500}\n",
            "s.yaml:4: faults[0].system",
        ),
        ("name: x\nrun: {mode: manual}\n", "a manual run needs 'investigation' and 'cluster'"),
        ("name: x\n", "a webhook run needs an 'incident'"),
        ("name: Bad Name\nincident: {title: t}\n", "s.yaml:1: name: String should match pattern"),
        ("name: [\n", "not valid YAML"),
    ],
    ids=[
        "unknown-key",
        "bad-time",
        "unknown-system",
        "manual-without-target",
        "no-incident",
        "bad-name",
        "not-yaml",
    ],
)
def test_malformed_scenarios_name_the_file_and_field(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(text, "s.yaml")
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_duplicate_names_in_a_directory_are_refused(tmp_path: Path) -> None:
    for file in ("a.yaml", "b.yaml"):
        (tmp_path / file).write_text("name: same\nincident: {title: t}\n")
    with pytest.raises(ScenarioError, match="'same' is used by another scenario"):
        load_scenarios(tmp_path)


def test_cadctl_demo_runs_chosen_scenarios_prints_json_and_sets_the_exit_code(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [CADCTL, "demo", "unhandled-alert", "no-cluster-id", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(chunk) for chunk in done.stdout.replace("}\n{", "}\x00{").split("\x00")]
    assert [r["name"] for r in records] == ["unhandled-alert", "no-cluster-id"]
    assert all(r["passed"] for r in records)
    failing = tmp_path / "failing.yaml"
    failing.write_text(
        "name: wrong\nincident: {title: Unknown alert}\nexpect: {exit_code: 0, pagerduty: {notes_count: 5}}\n"
    )
    done = subprocess.run(
        [CADCTL, "demo", "--scenarios-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "notes count: expected 5; got 1" in done.stdout
    assert "0 passed, 1 failed" in done.stdout


def test_an_action_matches_only_when_it_holds_none_of_its_excludes(sandbox: Sandbox) -> None:
    # Given a shipped scenario whose service log names user workload monitoring
    (base,) = [s for s in LIBRARY if s.name == "cmbb-uwm-configmap"]
    wanted = {"type": "service_log", "contains": ["user-workload-monitoring"]}

    def with_excludes(excludes: list[str]) -> Scenario:
        expect = base.expect.model_copy(
            update={"actions": [ActionExpectation(**wanted, excludes=excludes)]}
        )
        return base.model_copy(update={"expect": expect})

    # When it runs expecting the service log to hold none of an absent and a present text
    passing = run_scenario(with_excludes(["nothing like this"]), sandbox)
    failing = run_scenario(with_excludes(["user-workload-monitoring"]), sandbox)
    # Then the first matches and the second does not
    assert passing.passed, explain(passing)
    assert not failing.passed
    assert any("service_log" in json.dumps(c) for c in failing.failed_checks)


def test_run_experimental_turns_on_the_alerts_marked_experimental(sandbox: Sandbox) -> None:
    # Given a scenario whose only alert is experimental
    (base,) = [s for s in LIBRARY if s.name == "cmbb-uwm-configmap"]
    config = {
        "alerts": [
            {
                "alert_title": "ClusterMonitoringErrorBudgetBurnSRE",
                "name": "Cmbb",
                "experimental": True,
                "investigations": ["precheck", "clustermonitoringerrorbudgetburn"],
            }
        ]
    }
    scenario = base.model_copy(update={"config": config})
    # When it runs with and without run.experimental
    on = run_scenario(scenario.model_copy(update={"run": RunSpec(experimental=True)}), sandbox)
    off = run_scenario(scenario, sandbox)
    # Then only the experimental run investigates
    assert on.passed, explain(on)
    assert not off.passed
    assert [o.status for o in off.outcomes] == ["unhandled"]


def test_the_library_covers_every_outcome_of_cpd() -> None:
    # Each name is one outcome of cpd (src/cad/investigations/cpd/README.md).
    names = {s.name for s in LIBRARY}
    required = {
        "cpd-cluster-ready", "cpd-no-cluster-metadata", "cpd-dns-not-ready",
        "cpd-byovpc-missing-route", "cpd-egress-passed", "cpd-egress-blocked",
        "cpd-egress-verifier-error", "cpd-route-table-read-failure",
    }  # fmt: skip
    assert required <= names, required - names


def test_the_library_covers_every_outcome_of_mustgather() -> None:
    # Each name is one outcome of mustgather and its collect_must_gather action (see the
    # package's README): classic, HCP, another must-gather (waited for, given up on), the
    # gather failing or hanging, the upload failing, a dry run, redelivery, a fault after the
    # apply, and the CHGM chain's sample either way.
    names = {s.name for s in LIBRARY}
    required = {
        "mustgather-classic-uploaded", "mustgather-hcp-management-cluster",
        "mustgather-hcp-waits-for-other", "mustgather-hcp-other-still-running",
        "mustgather-gather-fails", "mustgather-gather-hangs", "mustgather-upload-fails",
        "mustgather-dry-run", "mustgather-redelivered", "mustgather-fault-after-apply",
        "mustgather-chgm-sampled-in", "mustgather-chgm-sampled-out",
        "mustgather-hcp-configured-image",
    }  # fmt: skip
    assert required <= names, required - names


def test_the_library_covers_every_outcome_of_consoleerrorbudgetburn() -> None:
    # Each name is one outcome of consoleerrorbudgetburn (see its README's Outcomes).
    names = {s.name for s in LIBRARY}
    required = {
        "console-no-root-cause-escalated", "console-unhealthy-path-escalated",
        "console-allowed-source-ranges-excludes-machine-cidr", "console-apps-dns-record-missing",
        "console-cluster-api-unavailable", "console-hcp-classic-checks-skipped",
    }  # fmt: skip
    assert required <= names, required - names


def test_kubernetes_write_expectations_fail_naming_what_the_apis_received(sandbox: Sandbox) -> None:
    # Given the scenario that annotates the HostedCluster on the management cluster
    (base,) = [s for s in LIBRARY if s.name == "restartcp-hcp-annotated"]
    wrong = KubernetesExpectation(
        writes=0,
        patched=[ObjectExpectation(kind="HostedCluster", name="my-cluster", api="cluster")],
        deleted=[ObjectExpectation(kind="HostedCluster", name="my-*", api="management")],
    )
    expect = base.expect.model_copy(
        update={"kubernetes": wrong, "sftp": SftpExpectation(uploads=1)}
    )
    # When it runs expecting no write, the patch on the cluster's own API, a delete and an upload
    result = run_scenario(base.model_copy(update={"expect": expect}), sandbox)
    # Then each of those four checks fails and names the patch the management API received
    failed = {c["check"]: c["actual"] for c in result.failed_checks}
    assert set(failed) == {
        "kubernetes writes",
        "kubernetes patched HostedCluster */my-cluster on the cluster API",
        "kubernetes deleted HostedCluster */my-* on the management API",
        "sftp uploads",
    }
    received = "PATCH HostedCluster ocm-production-2abcdefghijklmnopqrstuvwxyz01234/my-cluster"
    assert failed["kubernetes writes"] == f"{received} (management)"


def test_the_library_covers_every_outcome_of_etcddatabasequotalowspace() -> None:
    # Each name is one outcome of etcddatabasequotalowspace (see its README's Outcomes), and
    # the safety of its Job: dry run, re-delivery, a lost answer, a failed read.
    names = {s.name for s in LIBRARY}
    required = {
        "etcd-warning-silenced", "etcd-critical-escalated", "etcd-hcp-analysed",
        "etcd-job-fails", "etcd-job-times-out", "etcd-empty-analysis", "etcd-no-etcd-pod",
        "etcd-hcp-no-etcdctl-image", "etcd-no-analyzer-image", "etcd-management-unreachable",
        "etcd-dry-run", "etcd-redelivered", "etcd-job-create-fails-once",
        "etcd-log-read-fails-once",
    }  # fmt: skip
    assert required <= names, required - names
