"""``cadctl run``'s options of the original: ``--with-filtering`` and ``--config``."""

from __future__ import annotations

import json
from pathlib import Path

from cad.simulators.sandbox import Sandbox
from cad.simulators.world import WorldSpec
from tests.cli.test_cadctl import CLEAN_ENV, cadctl

HCP_ONLY = """
alerts:
  - alert_title: ClusterMonitoringErrorBudgetBurnSRE
    name: cmbb-alert
    when: {field: HCP, operator: in, values: ["true"]}
    investigations: [precheck, ccam, clustermonitoringerrorbudgetburn]
"""


def classic_cluster(sandbox: Sandbox) -> dict[str, str]:
    sandbox.seed(WorldSpec.model_validate({"clusters": [{"id": "c" * 32, "name": "my-cluster"}]}))
    return {**CLEAN_ENV, **sandbox.environment(), "CAD_LOG_LEVEL": "warning"}


def test_with_filtering_the_configs_filter_keeps_a_manual_run_off_the_cluster(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    # Given a config routing cmbb's alert to HCP clusters only, and a classic cluster
    config = tmp_path / "config.yaml"
    config.write_text(HCP_ONLY)
    env = classic_cluster(sandbox)
    # When cmbb runs by hand with filtering, by its short name
    done = cadctl(
        "run", "-c", "my-cluster", "-i", "cmbb", "--with-filtering", "--config", str(config),
        "--reason", "checking the filter", "--json", env=env,
    )  # fmt: skip
    # Then the run is filtered out, names the filter, and wrote nothing
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["status"] == "filtered"
    assert "cmbb-alert" in outcome["chain"][0]["reason"]
    assert sum(sandbox.writes().values()) == 0


def test_run_refuses_an_invalid_config_file(sandbox: Sandbox, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("alerts: [{alert_title: X, investigations: [nosuchinvestigation]}]")
    done = cadctl(
        "run",
        "-c",
        "my-cluster",
        "-i",
        "cmbb",
        "--config",
        str(config),
        "--reason",
        "checking the config",
        env=classic_cluster(sandbox),
    )
    assert done.returncode == 2
    assert "unknown investigation 'nosuchinvestigation'" in done.stderr
