"""Operators' runs: ``run`` and ``investigate`` say why or write nothing, are recorded in the
history when a store is configured (with its ledger), and ``rerun`` runs a stored incident
again on SQLite with no server running."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cad.simulators.sandbox import Sandbox
from cad.simulators.world import WorldSpec
from cad.store import Store, upgrade
from tests.cli.test_cadctl import CLEAN_ENV, cadctl
from tests.worlds import STOPPED_BY_CUSTOMER

CLUSTER = "2abcdefghijklmnopqrstuvwxyz01234"
EXTERNAL = "4e3c1c24-0000-4000-8000-000000000001"


@pytest.fixture
def env(sandbox: Sandbox, tmp_path: Path) -> dict[str, str]:
    sandbox.reset()
    sandbox.seed(
        WorldSpec.model_validate(
            {
                "clusters": [
                    {
                        "id": CLUSTER,
                        "external_id": EXTERNAL,
                        "name": "my-cluster",
                        "aws": STOPPED_BY_CUSTOMER,
                    }
                ]
            }
        )
    )
    sandbox.create_incident(
        "Q1", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": CLUSTER}]
    )
    return {
        **CLEAN_ENV,
        **sandbox.environment(),
        "CAD_LOG_LEVEL": "error",
        "CAD_DATABASE_PATH": str(tmp_path / "cad.sqlite"),
        "CAD_REQUESTED_BY": "dana",
    }


def payload_file(sandbox: Sandbox, tmp_path: Path) -> str:
    path = tmp_path / "payload.json"
    path.write_text(json.dumps(sandbox.pagerduty.webhook_payload("Q1")))
    return str(path)


@pytest.mark.parametrize(
    "args",
    [["run", "-c", "my-cluster", "-i", "chgm"], ["investigate", "-p", "{payload}"]],
    ids=["run", "investigate"],
)
def test_a_run_that_may_write_without_a_reason_is_refused_and_writes_nothing(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    payload = payload_file(sandbox, tmp_path)
    done = cadctl(*[a.format(payload=payload) for a in args], env=env)
    assert done.returncode == 2
    assert "say why with --reason TEXT" in done.stderr
    assert "or use --dry-run; nothing was done" in done.stderr
    assert sandbox.writes() == dict.fromkeys(sandbox.writes(), 0)
    assert not (tmp_path / "cad.sqlite").exists()


def test_investigate_with_a_store_is_recorded_and_its_ledger_keeps_a_second_run_from_repeating(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    payload = payload_file(sandbox, tmp_path)
    # When an operator investigates the incident twice
    first = cadctl("investigate", "-p", payload, "--reason", "page missed", env=env)
    assert first.returncode == 0, first.stderr
    notes = len(sandbox.pagerduty.incident("Q1").notes)
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    second = cadctl("investigate", "-p", payload, "--reason", "once more", env=env)
    assert second.returncode == 0, second.stderr
    # Then the second applied nothing again
    assert len(sandbox.pagerduty.incident("Q1").notes) == notes
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    # And the history has both, found by the cluster's external id, in UTC
    shown = cadctl("history", "--cluster", EXTERNAL, "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    runs = json.loads(shown.stdout)["runs"]
    assert [(r["trigger"], r["reason"], r["requested_by"]) for r in runs] == [
        ("investigate", "once more", "dana"),
        ("investigate", "page missed", "dana"),
    ]
    assert all(r["started_at"].endswith("+00:00") for r in runs)
    assert [a["outcome"] for a in runs[0]["actions"] if a["type"] == "limited_support"] == [
        "skipped"
    ]


def test_a_manual_run_with_a_store_is_in_the_history_by_cluster_name(
    sandbox: Sandbox, env: dict[str, str]
) -> None:
    done = cadctl(
        "run", "-c", CLUSTER, "-i", "chgm", "--reason", "customer asked", "--requested-by",
        "erin", env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    shown = cadctl("history", "--cluster", "my-cluster", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "run by erin: customer asked" in shown.stdout
    assert "+00:00" in shown.stdout
    # And it is found by its cluster's organization, and not by another one
    assert "(organization org-1)" in shown.stdout
    mine = cadctl("history", "--organization", "org-1", "--json", env=env)
    other = cadctl("history", "--organization", "org-2", env=env)
    assert [r["organization_id"] for r in json.loads(mine.stdout)["runs"]] == ["org-1"]
    assert other.stdout.strip() == "no runs"


def test_a_dry_run_keeps_nothing_in_the_store(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    done = cadctl("run", "-c", "my-cluster", "-i", "chgm", "--dry-run", env=env)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "cad.sqlite").exists()


def test_rerun_on_sqlite_with_no_server_runs_here_and_repeats_no_effect(
    sandbox: Sandbox, env: dict[str, str]
) -> None:
    # Given an incident the receiver stored, whose run failed, and no server running
    url = f"sqlite:///{env['CAD_DATABASE_PATH']}"
    upgrade(url)
    store = Store(url)
    try:
        delivery, _ = store.deliveries.add(
            webhook_id="wh-1",
            event_id="e-1",
            incident_id="Q1",
            event_type="incident.triggered",
            payload=json.dumps(sandbox.pagerduty.webhook_payload("Q1")),
            queued=True,
        )
        assert store.deliveries.claim("w-0") is not None
        store.deliveries.finish(delivery, run_id=None, error="OCM was down")
    finally:
        store.close()
    # When it is re-run twice
    first = cadctl("rerun", "Q1", "--reason", "the server was down", env=env)
    assert first.returncode == 0, first.stderr
    assert "rerun by dana: the server was down" in first.stdout
    notes = len(sandbox.pagerduty.incident("Q1").notes)
    assert notes >= 1
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    second = cadctl("rerun", "Q1", "--reason", "check", "--requested-by", "fred", env=env)
    # Then the second repeats nothing, and says so
    assert second.returncode == 0, second.stderr
    assert "rerun by fred: check" in second.stdout
    assert len(sandbox.pagerduty.incident("Q1").notes) == notes
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    assert len(sandbox.ocm.writes.matching("POST", "/limited_support_reasons")) == 1


def test_rerun_of_an_incident_never_stored_exits_2(env: dict[str, str]) -> None:
    done = cadctl("rerun", "Q404", "--reason", "why not", env=env)
    assert done.returncode == 2
    assert "no delivery of incident 'Q404' is stored" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_incident_investigated_with_a_store_can_be_rerun_here_and_repeats_no_effect(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    # Given an incident an operator investigated with a store (SQLite, no server running)
    payload = payload_file(sandbox, tmp_path)
    first = cadctl("investigate", "-p", payload, "--reason", "page missed", env=env)
    assert first.returncode == 0, first.stderr
    notes = len(sandbox.pagerduty.incident("Q1").notes)
    # When it is re-run
    again = cadctl("rerun", "Q1", "--reason", "after the fix", "--json", env=env)
    # Then it ran here on the kept payload, repeated nothing, and recorded why
    assert again.returncode == 0, again.stderr
    shown = json.loads(again.stdout)
    assert (shown["trigger"], shown["reason"], shown["incident_id"]) == (
        "rerun",
        "after the fix",
        "Q1",
    )
    assert len(sandbox.pagerduty.incident("Q1").notes) == notes
    assert len(sandbox.ocm.writes.matching("POST", "/limited_support_reasons")) == 1
    assert [a["outcome"] for a in shown["actions"] if a["type"] == "limited_support"] == ["skipped"]


def test_a_dry_run_of_investigate_keeps_no_payload_and_nothing_to_rerun(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    done = cadctl("investigate", "-p", payload_file(sandbox, tmp_path), "--dry-run", env=env)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "cad.sqlite").exists()
