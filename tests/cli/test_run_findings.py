"""``cadctl run``'s human output shows what the investigations found (the notes' text), not
only ``--json``: a manual run has no incident, so its notes are dropped, yet they are the
findings an operator ran it for."""

from __future__ import annotations

import json

from cad.actions.pagerduty import NOTE_MARKER_PREFIX
from cad.scenarios.model import load_library
from cad.simulators.sandbox import Sandbox
from tests.cli.test_cadctl import CLEAN_ENV, cadctl

EXPIRED = "Ingress Certificate: secret: custom-ingress-cert"


def seeded(sandbox: Sandbox) -> dict[str, str]:
    """The sandbox holding a cluster whose ingress certificate has expired."""
    scenario = {s.name: s for s in load_library()}["certs-manual-run"]
    sandbox.seed(scenario.world)
    return {**CLEAN_ENV, **sandbox.environment(), "CAD_LOG_LEVEL": "warning"}


def test_a_manual_dry_run_prints_the_findings_in_its_human_output(sandbox: Sandbox) -> None:
    # Given a cluster with an expired ingress certificate
    env = seeded(sandbox)
    # When an operator runs the investigation by hand, in a dry run
    done = cadctl("run", "-c", "my-cluster", "-i", "expiredcertificates", "--dry-run", env=env)
    # Then the human output holds the findings, as the notes would have said them
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())  # rich folds long lines
    assert "Automated expiredcertificates pre-investigation" in text
    assert "EXPIRED" in text
    assert "custom-ingress-cert" in text
    # And not the marker line that identifies a posted note to CAD
    assert NOTE_MARKER_PREFIX.strip() not in done.stdout
    # And the note is reported as dropped: a manual run has no incident to write to
    assert "dropped" in done.stdout


def test_the_json_of_a_manual_run_carries_the_dropped_notes_text_as_its_preview(
    sandbox: Sandbox,
) -> None:
    env = seeded(sandbox)
    done = cadctl(
        "run", "-c", "my-cluster", "-i", "expiredcertificates", "--dry-run", "--json", env=env
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    [note] = [a for s in outcome["chain"] for a in s["actions"] if a["type"] == "pagerduty_note"]
    assert note["outcome"] == "dropped"
    assert EXPIRED in note["preview"]


def test_a_cli_run_logs_its_one_run_line_like_the_services_workers(sandbox: Sandbox) -> None:
    env = {**seeded(sandbox), "CAD_LOG_LEVEL": "info", "CAD_LOG_FORMAT": "json"}
    done = cadctl("run", "-c", "my-cluster", "-i", "expiredcertificates", "--dry-run", env=env)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    [run] = [line for line in lines if line["event"] == "run"]
    assert (run["mode"], run["status"], run["dry_run"]) == ("manual", "succeeded", True)
    assert run["cluster"] == "2abcdefghijklmnopqrstuvwxyz01234"
    assert run["chain"][-1] == {"investigation": "expiredcertificates", "outcome": "ran"}
    assert {
        "investigation": "expiredcertificates",
        "type": "pagerduty_note",
        "outcome": "dropped",
    } in run["actions"]
    assert isinstance(run["duration_s"], float)
    assert sandbox.ocm.client_secret not in done.stderr
