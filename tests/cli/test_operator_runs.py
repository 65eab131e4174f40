"""Operators' runs: ``run`` and ``investigate`` say why or write nothing, are recorded in the
history when a store is configured (with its ledger), ``investigate`` keeps its payload so
``rerun`` can run a stored incident again on SQLite with no server running, and a run whose
process was killed is marked ``interrupted`` from its host."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from cad.simulators.sandbox import Sandbox
from cad.simulators.world import WorldSpec
from cad.store import RunRecord, Store, upgrade
from cad.store.records import RunRequest
from cad.store.runners import Runner, this_process
from tests.cli.test_cadctl import CADCTL, CLEAN_ENV, cadctl
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
    # And both runs name the process that ran them here
    runs = json.loads(cadctl("history", "--json", env=env).stdout)["runs"]
    assert [r["runner"]["host"] for r in runs] == [socket.gethostname()] * 2
    assert runs[0]["runner"]["pid"] != runs[1]["runner"]["pid"]


def test_a_dry_run_of_investigate_keeps_no_payload_and_nothing_to_rerun(
    sandbox: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    done = cadctl("investigate", "-p", payload_file(sandbox, tmp_path), "--dry-run", env=env)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "cad.sqlite").exists()


def wait_for_a_running_run(store: Store, timeout_s: float = 60) -> RunRecord:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        running = [r for r in store.history.runs() if r.status == "running"]
        if running:
            return running[0]
        time.sleep(0.1)
    raise AssertionError("no run was recorded as running")


def test_a_run_whose_cadctl_was_killed_is_marked_interrupted_naming_its_host_and_pid(
    sandbox: Sandbox, env: dict[str, str]
) -> None:
    # Given `cadctl run` recorded in the store, held up by a slow OCM, then killed
    url = f"sqlite:///{env['CAD_DATABASE_PATH']}"
    upgrade(url)
    store = Store(url)
    sandbox.faults("ocm").add(path="*", latency_ms=15_000)
    try:
        process = subprocess.Popen(  # our own CLI, fixed arguments
            [CADCTL, "run", "-c", CLUSTER, "-i", "chgm", "--reason", "slow one"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            killed = wait_for_a_running_run(store)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        sandbox.faults("ocm").clear()
        assert (killed.runner_host, killed.runner_pid) == (socket.gethostname(), process.pid)
        # And a run of another host, whose pid means nothing here
        elsewhere = store.history.start(
            delivery_id=None,
            incident_id=None,
            request=RunRequest(
                trigger="run", runner=Runner(host="other-host", pid=process.pid, process=None)
            ),
        )
        # When the history is read on this host
        shown = cadctl("history", "--json", env=env)
        # Then the killed run is interrupted, naming its host and pid; the other is left alone
        assert shown.returncode == 0, shown.stderr
        runs = {r["id"]: r for r in json.loads(shown.stdout)["runs"]}
        assert runs[killed.id]["status"] == "interrupted"
        assert f"host {socket.gethostname()}, pid {process.pid}" in runs[killed.id]["error"]
        assert runs[killed.id]["runner"] == {"host": socket.gethostname(), "pid": process.pid}
        assert runs[elsewhere]["status"] == "running"
    finally:
        sandbox.faults("ocm").clear()
        store.close()


def test_the_next_operator_run_interrupts_a_run_whose_pid_was_reused_and_spares_a_live_one(
    sandbox: Sandbox, env: dict[str, str]
) -> None:
    # Given two runs of this host recorded by this test's process: one as it is, one as a
    # process that held the same pid before (another start time: the pid was reused)
    url = f"sqlite:///{env['CAD_DATABASE_PATH']}"
    upgrade(url)
    store = Store(url)
    try:
        me = this_process()
        assert me.process is not None, "this test needs /proc"
        before = replace(me, process=me.process.rsplit(" ", 1)[0] + " 1")
        live, reused = (
            store.history.start(
                delivery_id=None, incident_id=None, request=RunRequest(trigger="run", runner=r)
            )
            for r in (me, before)
        )
        # When an operator's run is recorded on this host
        done = cadctl("run", "-c", CLUSTER, "-i", "chgm", "--reason", "next one", env=env)
        assert done.returncode == 0, done.stderr
        # Then the reused pid's run is interrupted, and the live process's run is not
        statuses = {r.id: r.status for r in store.history.runs()}
        assert (statuses[reused], statuses[live]) == ("interrupted", "running")
    finally:
        store.close()
