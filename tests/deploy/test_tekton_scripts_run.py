"""The Tekton tasks' scripts, with Tekton's parameter substitution done, run by bash as the
step would run them: against the simulators, the secrets' variables from the sandbox, the
ConfigMap written where it is mounted."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cad.simulators.sandbox import Sandbox
from cad.simulators.world import WorldSpec
from tests.deploy.manifests import Manifest, everything, named

MANIFESTS = everything()
CLUSTER = "2abcdefghijklmnopqrstuvwxyz01234"


def _substituted(script: str, params: dict[str, str]) -> str:
    """``script`` with ``$(params.NAME)`` replaced, as Tekton does before the step starts."""

    def value(match: re.Match[str]) -> str:
        return params[match.group(1)]

    return re.sub(r"\$\(params\.([a-z-]+)\)", value, script)


def _run_step(task_name: str, params: dict[str, str], sandbox: Sandbox, tmp_path: Path) -> str:
    task: Manifest = named(MANIFESTS, "Task", task_name)
    (step,) = task["spec"]["steps"]
    declared = {p["name"]: p.get("default") for p in task["spec"]["params"]}
    assert set(params) <= set(declared)
    given = {name: default for name, default in declared.items() if default is not None}
    given.update(params)
    # The ConfigMap where the step mounts it; the pushgateway (another service of the
    # original's namespace) left out: tests reach nothing beyond 127.0.0.1.
    config = named(MANIFESTS, "ConfigMap", "cad-config")["data"]["cad-config.yaml"]
    (tmp_path / "cad-config.yaml").write_text(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAD_", "BACKPLANE_"))}
    env.update(sandbox.environment())
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    for variable in step.get("env", []):
        if variable["name"] == "CAD_PROMETHEUS_PUSHGATEWAY":
            continue
        value = _substituted(variable["value"], given)
        env[variable["name"]] = value.replace("/config/", f"{tmp_path}/")
    script = tmp_path / "step.sh"
    script.write_text(_substituted(step["script"], given))
    done = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def incident(sandbox: Sandbox) -> str:
    sandbox.seed(
        WorldSpec.model_validate(
            {"clusters": [{"id": CLUSTER, "name": "my-cluster", "state": "uninstalling"}]}
        )
    )
    sandbox.create_incident(
        "Q1", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": CLUSTER}]
    )
    return "Q1"


def test_the_cad_checks_task_investigates_the_base64_payload_the_trigger_passes(
    sandbox: Sandbox, incident: str, tmp_path: Path
) -> None:
    payload = json.dumps(sandbox.pagerduty.webhook_payload(incident)).encode()
    _run_step(
        "cad-checks",
        {"payload": base64.b64encode(payload).decode(), "pipeline-name": "cad-check-x1"},
        sandbox,
        tmp_path,
    )
    # The uninstalling cluster stops the chain at precheck, which silences the incident.
    assert sandbox.pagerduty.incident(incident).escalation_policy_id == "PSILENT"


def test_the_manual_investigation_task_runs_cadctl_run_in_dry_run(
    sandbox: Sandbox, incident: str, tmp_path: Path
) -> None:
    output = _run_step(
        "cad-manual-investigation",
        {
            "cluster-id": "my-cluster",
            "investigation": "chgm",
            "dry-run": "true",
            "pipeline-name": "cad-manual-x1",
        },
        sandbox,
        tmp_path,
    )
    assert "manual run (dry run)" in output
