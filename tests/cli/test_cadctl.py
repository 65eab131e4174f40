"""``cadctl`` as people and pipelines run it: a subprocess, exit codes, messages, JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cad.simulators.sandbox import Sandbox
from cad.simulators.world import WorldSpec
from tests.investigations.helpers import ORIGINAL_ORDER

CADCTL = str(Path(sys.executable).with_name("cadctl"))
ROOT = Path(__file__).resolve().parents[2]
CLUSTER = "2abcdefghijklmnopqrstuvwxyz01234"
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("CAD_", "BACKPLANE_"))}


def cadctl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CADCTL, *args],
        capture_output=True,
        text=True,
        env=env or CLEAN_ENV,
        timeout=120,
        check=False,
    )


@pytest.fixture
def world(sandbox: Sandbox) -> dict[str, str]:
    sandbox.seed(
        WorldSpec.model_validate(
            {"clusters": [{"id": CLUSTER, "name": "my-cluster", "state": "uninstalling"}]}
        )
    )
    sandbox.create_incident(
        "Q1", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": CLUSTER}]
    )
    return {**CLEAN_ENV, **sandbox.environment(), "CAD_LOG_LEVEL": "warning"}


@pytest.mark.parametrize(
    "command",
    [[], ["investigate"], ["run"], ["investigations"], ["config", "validate"], ["status"]],
)
def test_every_command_has_help_with_log_level_and_version(command: list[str]) -> None:
    done = cadctl(*command, "--help")
    assert done.returncode == 0
    if command and command != ["config"]:
        assert "--log-level" in done.stdout
    assert "--version" in done.stdout or not command


def test_version_is_printed() -> None:
    done = cadctl("--version")
    assert (done.returncode, done.stdout.strip()) == (0, "cadctl 0.1.0")


def test_missing_settings_are_listed_in_one_message() -> None:
    done = cadctl("run", "-c", "x", "-i", "chgm")
    assert done.returncode == 2
    assert "missing required settings: CAD_OCM_CLIENT_ID, CAD_OCM_CLIENT_SECRET" in done.stderr
    assert "BACKPLANE_URL (or CAD_BACKPLANE_URL)" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_parameters_are_refused_without_a_traceback() -> None:
    done = cadctl("run", "-c", "x", "-i", "chgm", "-p", "=novalue")
    assert done.returncode == 2
    assert "invalid parameter '=novalue'" in done.stderr


def test_config_validate_reports_errors_with_file_and_line_and_warns_on_shadowing(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("alerts:\n  - alert_title: X\n    investigations: [nope]\n")
    done = cadctl("config", "validate", str(bad))
    assert done.returncode == 2
    assert f"{bad}:3: alerts[0].investigations[0]: unknown investigation 'nope'" in done.stderr
    good = tmp_path / "good.yaml"
    good.write_text(
        "alerts:\n  - alert_title: gone\n    investigations: [chgm]\n  - alert_title: has gone missing\n    investigations: [chgm]\n"
    )
    done = cadctl("config", "validate", str(good))
    assert done.returncode == 0
    assert "valid (2 alert(s))" in done.stdout
    assert "can never match" in done.stderr


def test_investigations_lists_names_aliases_stages_and_alerts() -> None:
    done = cadctl("investigations")
    assert done.returncode == 0
    for text in ("clustermonitoringerrorbudgetburn", "cmbb", "actioning", "ClusterHasGoneMissing"):
        assert text in done.stdout


def test_investigations_lists_every_implemented_investigation() -> None:
    # When cadctl lists the investigations
    done = cadctl("investigations")
    # Then each has its heading line, in the registry's order
    assert done.returncode == 0, done.stderr
    headings = [line.split()[0] for line in done.stdout.splitlines() if not line[:1].isspace()]
    assert headings == ORIGINAL_ORDER


def test_the_example_config_wiring_every_investigation_validates() -> None:
    # Given the documented example config, which routes every alert investigation
    example = ROOT / "docs" / "investigation-config.example.yaml"
    # When cadctl validates it
    done = cadctl("config", "validate", str(example))
    # Then it is accepted, and every investigation but the manual-only one is wired
    assert done.returncode == 0, done.stderr
    text = example.read_text()
    for name in (
        "precheck", "ccam", "chgm", "clustermonitoringerrorbudgetburn", "cpd", "insightsoperatordown",
        "upgradeconfigsyncfailureover4hr", "machinehealthcheckunterminatedshortcircuitsre",
        "ocmagentresponsefailure", "cannotretrieveupdatessre", "expiredcertificates",
        "pdbblockingnodedrain", "consoleerrorbudgetburn", "restartcontrolplane",
        "etcddatabasequotalowspace",
    ):  # fmt: skip
        assert f"- {name}" in text or f"name: {name}\n" in text, name


def test_investigate_runs_the_chain_and_prints_json_with_the_documented_schema(
    sandbox: Sandbox, world: dict[str, str], tmp_path: Path
) -> None:
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(sandbox.pagerduty.webhook_payload("Q1")))
    done = cadctl(
        "investigate", "--payload-path", str(payload), "--json", "--reason", "test", env=world
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) >= {
        "schema_version",
        "mode",
        "dry_run",
        "status",
        "exit_code",
        "incident",
        "cluster",
        "alert",
        "chain",
        "extra_actions",
        "errors",
    }
    assert [s["investigation"] for s in result["chain"]] == ["precheck"]
    assert result["chain"][0]["outcome"] == "stopped"
    assert sandbox.pagerduty.incident("Q1").escalation_policy_id == "PSILENT"


def test_investigate_with_a_broken_config_escalates_the_incident_and_fails(
    sandbox: Sandbox, world: dict[str, str], tmp_path: Path
) -> None:
    payload = tmp_path / "payload.b64"
    import base64

    payload.write_text(
        base64.b64encode(json.dumps(sandbox.pagerduty.webhook_payload("Q1")).encode()).decode()
    )
    config = tmp_path / "cad.yaml"
    config.write_text("alerts:\n  - alert_tittle: typo\n")
    done = cadctl(
        "investigate", "-p", str(payload), "--config", str(config), "--reason", "t", env=world
    )
    assert done.returncode == 1
    note = sandbox.pagerduty.incident("Q1").notes[0]["content"]
    assert "invalid investigation config" in note
    assert f"{config}:2" in note
    assert sandbox.pagerduty.incident("Q1").escalation_level == 2


def test_a_manual_dry_run_prints_what_would_happen(world: dict[str, str]) -> None:
    done = cadctl("run", "-c", "my-cluster", "-i", "chgm", "--dry-run", env=world)
    assert done.returncode == 0, done.stderr
    assert "manual run (dry run)" in done.stdout
    assert "precheck stopped" in done.stdout


def test_metrics_are_pushed_to_the_pushgateway_at_exit(
    sandbox: Sandbox, world: dict[str, str], tmp_path: Path
) -> None:
    from cad.simulators.server import ServerThread

    received: list[tuple[str, str, bytes]] = []

    async def gateway(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        body = b""
        while True:
            message = await receive()  # type: ignore[operator]
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        received.append((scope["method"], scope["path"], body))
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]

    server = ServerThread(gateway).start()
    try:
        payload = tmp_path / "payload.json"
        payload.write_text(json.dumps(sandbox.pagerduty.webhook_payload("Q1")))
        env = {**world, "CAD_PROMETHEUS_PUSHGATEWAY": server.url}
        done = cadctl("investigate", "-p", str(payload), "--reason", "metrics test", env=env)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    [(method, path, body)] = received
    assert (method, path) == ("POST", "/metrics/job/cad")
    assert b'cad_investigate_alerts_total{alert_type="ClusterHasGoneMissing"} 1.0' in body


def test_a_log_level_before_the_command_reaches_the_run(world: dict[str, str]) -> None:
    # Given an environment that asks for warnings only, logged as JSON lines
    env = {**world, "CAD_LOG_FORMAT": "json"}
    # When --log-level info comes before the command, as `cadctl --log-level info run ...`
    done = cadctl("--log-level", "info", "run", "-c", "my-cluster", "-i", "chgm", "-d", env=env)
    # Then the run logs at info
    assert done.returncode == 0, done.stderr
    levels = {json.loads(line)["level"] for line in done.stderr.splitlines() if line[:1] == "{"}
    assert "info" in levels
    # And without the option it logs no info line
    quiet = cadctl("run", "-c", "my-cluster", "-i", "chgm", "-d", env=env)
    assert quiet.returncode == 0, quiet.stderr
    assert '"level": "info"' not in quiet.stderr


def test_an_invalid_log_level_before_the_command_is_refused_like_the_variable() -> None:
    done = cadctl("--log-level", "verbose", "investigations")
    assert done.returncode == 2
    assert "CAD_LOG_LEVEL" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_log_level_before_the_command_wins_over_the_variable() -> None:
    # Given CAD_LOG_LEVEL names no level
    env = {**CLEAN_ENV, "CAD_LOG_LEVEL": "verbose"}
    # When the option before the command names one
    done = cadctl("--log-level", "warning", "investigations", env=env)
    # Then the option is used and the variable never read as the level
    assert done.returncode == 0, done.stderr


def test_a_log_level_after_the_command_wins_over_the_one_before() -> None:
    done = cadctl("--log-level", "warning", "investigations", "--log-level", "verbose")
    assert done.returncode == 2
    assert "CAD_LOG_LEVEL" in done.stderr


def test_version_is_printed_after_a_command_too() -> None:
    done = cadctl("run", "--version")
    assert (done.returncode, done.stdout.strip()) == (0, "cadctl 0.1.0")


def test_show_completion_prints_a_bash_completion_script() -> None:
    done = cadctl("--show-completion", "bash")
    assert done.returncode == 0, done.stderr
    assert "complete -o default -F _cadctl_completion cadctl" in done.stdout


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("cadctl inv", {"investigate", "investigations"}),
        ("cadctl db ", {"upgrade"}),
        ("cadctl run --lo", {"--log-level"}),
    ],
)
def test_the_completion_script_completes_commands_and_options(
    words: str, expected: set[str]
) -> None:
    # Given the variables bash sets when the installed script asks cadctl for completions
    env = {**CLEAN_ENV, "_CADCTL_COMPLETE": "complete_bash", "COMP_WORDS": words}
    env["COMP_CWORD"] = str(len(words.split(" ")) - 1)
    # When cadctl answers them
    done = cadctl(env=env)
    # Then it offers what may follow
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == expected


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_printed_script_completes_in_bash() -> None:
    # Given bash with the script `cadctl --show-completion bash` prints
    script = (
        'source <(cadctl --show-completion bash); COMP_WORDS=(cadctl sandbox ""); '
        'COMP_CWORD=2; _cadctl_completion cadctl; echo "${COMPREPLY[@]}"'
    )
    env = {**CLEAN_ENV, "PATH": f"{Path(CADCTL).parent}{os.pathsep}{CLEAN_ENV.get('PATH', '')}"}
    # When bash asks it what follows `cadctl sandbox`
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    # Then cadctl's answer reaches bash
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["trigger"]
