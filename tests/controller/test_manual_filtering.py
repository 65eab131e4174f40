"""``cadctl run``'s options of the original: ``--with-filtering`` (the config's filters for
the target), and its short names of investigations."""

from __future__ import annotations

import pytest

from cad.config.investigation_config import ORIGINAL_INVESTIGATIONS, parse_config
from cad.controller.outcome import ExitCode
from cad.investigations.framework.registry import Registry
from cad.investigations.precheck.investigation import Precheck
from cad.investigations.registry import REGISTRY
from cad.simulators.sandbox import Sandbox

from .conftest import CLUSTER_ID, BuildController, incident, seed

HCP_ONLY = """
alerts:
  - alert_title: ClusterMonitoringErrorBudgetBurnSRE
    name: cmbb-alert
    when: {field: HCP, operator: in, values: ["true"]}
    investigations: [precheck, ccam, clustermonitoringerrorbudgetburn]
"""

GCP_ONLY_ENTRY = """
alerts:
  - alert_title: ClusterMonitoringErrorBudgetBurnSRE
    investigations:
      - precheck
      - ccam
      - name: clustermonitoringerrorbudgetburn
        when: {field: CloudProvider, operator: in, values: ["gcp"]}
"""

ORIGINAL_SHORT_NAMES = {
    "ai": "aiassisted",
    "can-not-retrieve-updates": "cannotretrieveupdatessre",
    "chgm": "chgm",
    "cmbb": "clustermonitoringerrorbudgetburn",
    "cpd": "cpd",
    "etcd-quota-low": "etcddatabasequotalowspace",
    "insightsoperatordown": "insightsoperatordown",
    "machine-health-check": "machinehealthcheckunterminatedshortcircuitsre",
    "must-gather": "mustgather",
    "ocmagentresponsefailure": "ocmagentresponsefailure",
    "restart-controlplane": "restartcontrolplane",
    "upgrade-config": "upgradeconfigsyncfailureover4hr",
    "describe-nodes": "describenodes",
    "cluster-health-check": "clusterhealthcheck",
}
"""The original's cadctl short names (pkg/controller/manual.go)."""


@pytest.mark.parametrize(("short", "full"), sorted(ORIGINAL_SHORT_NAMES.items()))
def test_the_originals_short_names_name_the_same_investigations(short: str, full: str) -> None:
    assert full in ORIGINAL_INVESTIGATIONS
    if full not in REGISTRY.names():
        pytest.skip(f"{full} is not implemented by this CAD yet")
    assert REGISTRY.resolve(short).name == full
    assert REGISTRY.resolve(full).name == full


def test_with_filtering_an_alert_filter_that_rejects_the_cluster_stops_the_run(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    # Given a classic cluster and a config routing cmbb's alert to HCP clusters only
    seed(sandbox)
    built = controller_for(config=HCP_ONLY, pagerduty=False)
    # When cmbb runs by hand with filtering
    outcome = built.controller.run_manual(CLUSTER_ID, "cmbb", with_filtering=True)
    # Then nothing ran, and the outcome says which filter rejected the cluster
    assert (outcome.status, outcome.exit_code) == ("filtered", ExitCode.OK)
    [step] = outcome.chain
    assert (step.investigation, step.outcome) == ("clustermonitoringerrorbudgetburn", "filtered")
    assert "cmbb-alert" in step.reason
    assert "HCP" in step.reason
    assert sum(sandbox.writes().values()) == 0
    labels = {
        "investigation": "clustermonitoringerrorbudgetburn",
        "dry_run": "false",
        "status": "filtered",
    }
    assert built.registry.get_sample_value("cad_investigate_manual_completed_total", labels) == 1


def test_with_filtering_an_entry_filter_skips_only_its_investigation(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox)
    built = controller_for(config=GCP_ONLY_ENTRY, pagerduty=False)
    outcome = built.controller.run_manual(CLUSTER_ID, "cmbb", with_filtering=True)
    assert outcome.exit_code == ExitCode.OK
    assert [(s.investigation, s.outcome) for s in outcome.chain] == [
        ("precheck", "ran"),
        ("ccam", "ran"),
        ("clustermonitoringerrorbudgetburn", "filtered"),
    ]


def test_without_filtering_the_configs_filters_are_bypassed(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox)
    built = controller_for(config=HCP_ONLY, pagerduty=False)
    outcome = built.controller.run_manual(CLUSTER_ID, "cmbb")
    assert [(s.investigation, s.outcome) for s in outcome.chain] == [
        ("precheck", "ran"),
        ("ccam", "ran"),
        ("clustermonitoringerrorbudgetburn", "ran"),
    ]


def test_a_chain_reaching_an_investigation_this_cad_lacks_fails_and_escalates(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    # Given a config naming an investigation of the original this CAD does not have
    seed(sandbox)
    config = parse_config(
        "alerts: [{alert_title: ClusterHasGoneMissing, investigations: [precheck, chgm]}]",
        "test.yaml",
    )
    built = controller_for(config=config)
    built.controller.deps.registry = Registry([Precheck])
    # When its alert fires
    outcome = built.controller.investigate(sandbox.pagerduty.webhook_payload(incident(sandbox)))
    # Then the run fails after precheck, and the incident is noted and escalated
    assert outcome.exit_code == ExitCode.FAILED
    assert "unknown investigation 'chgm'" in outcome.errors[0]
    state = sandbox.pagerduty.incident("Q1")
    assert state.escalation_level == 2
    assert any("unknown investigation 'chgm'" in n["content"] for n in state.notes)
