"""Manual runs: precheck, ccam, then the target; PagerDuty actions dropped."""

from __future__ import annotations

from cad.controller.outcome import ExitCode
from cad.executor import Outcome
from cad.simulators.sandbox import Sandbox

from .conftest import CLUSTER_ID, BuildController, seed
from .test_pagerduty_mode import STOPPED


def test_a_manual_run_chains_precheck_ccam_and_the_target_and_drops_pagerduty_actions(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox, **STOPPED)
    outcome = controller_for(pagerduty=False).controller.run_manual("my-cluster", "chgm")
    assert outcome.exit_code == ExitCode.OK
    assert [s.investigation for s in outcome.chain] == ["precheck", "ccam", "chgm"]
    dropped = {a.type for a in outcome.all_actions() if a.outcome is Outcome.DROPPED}
    assert dropped == {"pagerduty_note", "silence_incident"}
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER_ID)) == 1
    assert len(sandbox.pagerduty.writes) == 0


def test_aliases_and_precheck_targets_build_the_original_chains(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox)
    controller = controller_for(pagerduty=False).controller
    precheck = controller.run_manual(CLUSTER_ID, "precheck")
    assert [s.investigation for s in precheck.chain] == ["precheck"]
    ccam = controller.run_manual(CLUSTER_ID, "ccam")
    assert [s.investigation for s in ccam.chain] == ["precheck", "ccam"]


def test_a_manual_dry_run_writes_nothing(sandbox: Sandbox, controller_for: BuildController) -> None:
    seed(sandbox, **STOPPED)
    outcome = controller_for(pagerduty=False, dry_run=True).controller.run_manual(
        "my-cluster", "chgm", dry_run=True
    )
    assert sum(sandbox.writes().values()) == 0
    assert any(
        a.outcome is Outcome.DRY_RUN and a.type == "limited_support" for a in outcome.all_actions()
    )


def test_an_unknown_investigation_or_cluster_is_reported(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox)
    controller = controller_for(pagerduty=False).controller
    unknown = controller.run_manual(CLUSTER_ID, "nope")
    assert unknown.exit_code == ExitCode.INVALID_INPUT
    assert "valid investigations: precheck" in unknown.errors[0]
    missing = controller.run_manual("no-such-cluster", "chgm")
    assert missing.exit_code == ExitCode.FAILED
    assert "no cluster has the id, external id or name 'no-such-cluster'" in missing.errors[0]


def test_manual_metrics_count_started_and_completed_runs(
    sandbox: Sandbox, controller_for: BuildController
) -> None:
    seed(sandbox)
    built = controller_for(pagerduty=False)
    built.controller.run_manual(CLUSTER_ID, "cmbb")
    get = built.registry.get_sample_value
    labels = {"investigation": "clustermonitoringerrorbudgetburn", "dry_run": "false"}
    assert get("cad_investigate_manual_started_total", labels) == 1
    assert get("cad_investigate_manual_completed_total", {**labels, "status": "success"}) == 1
