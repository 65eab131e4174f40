"""Reliability of the scale-out: three `cadctl worker` processes on the real PostgreSQL, 200
signed webhooks (a tenth delivered twice), 5% transient failures on every simulator, one
worker killed with SIGKILL mid-run and restarted. Every incident must end with exactly one
completed run and exactly its expected effects."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from cad.config.investigation_config import load_default_config
from cad.investigations.registry import REGISTRY
from cad.sandbox_service import build_sandbox_service
from cad.simulators.sandbox import Sandbox
from cad.simulators.server import ServerThread
from cad.simulators.world import WorldSpec
from cad.store import upgrade
from cad.webhook.signature import sign
from tests.databases import postgres_database
from tests.workers import start_worker, worker_environment

SECRET = "scale-out-secret"
INCIDENTS = 200
WORKERS = 3
CONCURRENCY = 4
FAULT_RATE = 0.05
KILL_AFTER = 60  # completed runs before one worker is killed
DEADLINE_S = 420

MONITORING_ERROR = (
    'the User Workload Configuration from "config.yaml" key in the '
    '"openshift-user-workload-monitoring/user-workload-monitoring-config" ConfigMap could not '
    "be parsed: yaml: line 3: mapping values are not allowed"
)


def cluster_id(n: int) -> str:
    return f"{n:03d}scale{'x' * 24}"


def is_chgm(n: int) -> bool:
    return n % 2 == 0


def world() -> WorldSpec:
    """Even incidents: a customer stopped a control-plane instance (CHGM: limited support,
    note, silence). Odd ones: a broken user-workload-monitoring config (CMBB: service log,
    note, silence)."""
    clusters: list[dict[str, Any]] = []
    for n in range(INCIDENTS):
        cluster: dict[str, Any] = {"id": cluster_id(n), "name": f"scale-{n}"}
        if is_chgm(n):
            cluster["aws"] = {
                "instances": [
                    {
                        "id": "i-1",
                        "name": f"scale-{n}-master-0",
                        "state": "stopped",
                        "stopped_at": "-40m",
                    }
                ],
                "cloudtrail": [
                    {"instance_id": "i-1", "time": "-39m", "username": "jdoe"},
                ],
            }
        else:
            cluster["kubernetes"] = {
                "objects": [
                    {
                        "apiVersion": "config.openshift.io/v1",
                        "kind": "ClusterOperator",
                        "metadata": {"name": "monitoring"},
                        "status": {
                            "conditions": [
                                {
                                    "type": "Available",
                                    "status": "False",
                                    "message": MONITORING_ERROR,
                                }
                            ]
                        },
                    }
                ]
            }
        clusters.append(cluster)
    return WorldSpec.model_validate({"clusters": clusters})


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    yield from postgres_database()


def start_logged_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return start_worker(env, concurrency=CONCURRENCY, output=out)


def without_sampled_mustgather(directory: Path) -> Path:
    """The shipped config less the must-gather CHGM samples for one incident in ten: this
    test counts each incident's notes, and a sampled must-gather adds one."""
    shipped = yaml.safe_load(resources.files("cad.config").joinpath("default.yaml").read_text())
    for alert in shipped["alerts"]:
        alert["investigations"] = [
            entry
            for entry in alert["investigations"]
            if (entry if isinstance(entry, str) else entry.get("name")) != "mustgather"
            or (
                "ClusterHasGoneMissing" not in alert["alert_title"]
                and "has gone missing" not in alert["alert_title"]
            )
        ]
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(shipped))
    return path


def post(url: str, body: bytes, webhook_id: str) -> int:
    headers = {"X-PagerDuty-Signature": sign(body, SECRET), "X-Webhook-Id": webhook_id}
    for _ in range(5):
        try:
            return httpx.post(
                f"{url}/webhooks/pagerduty", content=body, headers=headers, timeout=30
            ).status_code
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError(f"could not deliver {webhook_id}")


@pytest.mark.slow
@pytest.mark.timeout(DEADLINE_S + 120)
def test_three_workers_with_faults_and_a_killed_worker_apply_every_effect_exactly_once(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade(database)
    with Sandbox() as sandbox:
        spec = world()
        sandbox.seed(spec)
        for n in range(INCIDENTS):
            if is_chgm(n):
                title, service = "ClusterHasGoneMissing CRITICAL (1)", "osd-deadmanssnitch"
            else:
                title = "ClusterMonitoringErrorBudgetBurnSRE Critical (1)"
                service = "osd-cluster-monitoring"
            sandbox.create_incident(
                f"S{n}", title, alerts=[{"cluster_id": cluster_id(n)}], service_summary=service
            )
        for system in ("ocm", "pagerduty", "backplane", "aws"):
            sandbox.faults(system).add(status=503, probability=FAULT_RATE)

        settings = sandbox.settings(pd_webhook_secrets=SECRET, database_url=database)
        receiver = build_sandbox_service(
            settings, load_default_config(known=REGISTRY.names()), workers=0, sandbox=sandbox
        )
        server = ServerThread(receiver.app).start()
        env = worker_environment(
            os.environ,
            database,
            sandbox.environment(),
            CAD_LOG_LEVEL="warning",
            CAD_WORKER_HEARTBEAT_SECONDS="1",
            # Ten missed heartbeats before a worker is taken for dead: a live worker starved
            # of CPU on a busy 2-core machine must not have its job run twice (a 4 s
            # threshold did, twice in a dozen runs); the killed worker's job waits 10 s more.
            CAD_WORKER_STALLED_AFTER_SECONDS="10",
            CAD_WORKER_RETRY_WAIT_SECONDS="1",
            # Short backoffs: the test is about correctness under faults, not waiting.
            CAD_EXECUTOR_RETRY_INITIAL_WAIT_SECONDS="0.05",
            # PagerDuty's real budget (864 calls a minute) would pace 200 incidents' 1,600
            # calls over two minutes; the simulators enforce no limit here, and the shared
            # budget has its own test (test_shared_rate_budget.py).
            CAD_RATE_LIMIT_PAGERDUTY_PER_MINUTE="0",
            CAD_INVESTIGATION_CONFIG_PATH=str(without_sampled_mustgather(tmp_path)),
            CAD_INVESTIGATION_RETRY_INITIAL_WAIT_SECONDS="0.05",
            # An attempt is a probe and a write (a silence: two reads and a write), each hit
            # by a fault 5% of the time: it fails with p = 1 - 0.95**3 < 0.143 at worst. With
            # the default 4 attempts an action gives up with p < 0.143**4 = 4.2e-4, and with
            # about a thousand actions here one run escalates in some 10-30% of test runs.
            # With 8 attempts: p < 0.143**8 = 1.7e-7 per action, under 2e-4 per test run.
            # The waits stay short (0.05 s doubling: under 7 s for 8 attempts), far inside
            # the executor's 120 s deadline and this test's DEADLINE_S.
            CAD_EXECUTOR_MAX_ATTEMPTS="8",
            CAD_BUDGET_LIMITED_SUPPORT_PER_HOUR="1000",
            CAD_BUDGET_SERVICE_LOGS_PER_HOUR="1000",
        )
        logs = [tmp_path / f"worker-{i}.log" for i in range(WORKERS)]
        workers = [start_logged_worker(env, log) for log in logs]
        started = time.monotonic()
        try:
            bodies = [
                (
                    json.dumps(sandbox.pagerduty.webhook_payload(f"S{n}")).encode(),
                    f"wh-{n}",
                )
                for n in range(INCIDENTS)
            ]
            bodies += [bodies[n] for n in range(0, INCIDENTS, 10)]  # a tenth, twice
            with ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(lambda b: post(server.url, *b), bodies))
            assert answers == [202] * len(bodies)

            store = receiver.store
            killed = False
            while time.monotonic() - started < DEADLINE_S:
                counts = store.history.counts()
                if not killed and counts.get("succeeded", 0) >= KILL_AFTER:
                    workers[0].send_signal(signal.SIGKILL)
                    workers[0].wait(timeout=10)
                    workers[0] = start_logged_worker(env, logs[0])
                    killed = True
                deliveries = store.deliveries.counts()
                if (
                    killed
                    and deliveries.get("done", 0) + deliveries.get("coalesced", 0) >= INCIDENTS
                    and not (deliveries.get("queued") or deliveries.get("processing"))
                ):
                    break
                time.sleep(0.5)
            elapsed = time.monotonic() - started
            assert killed, "the kill never happened"
        finally:
            for process in workers:
                process.send_signal(signal.SIGTERM)
            for process in workers:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
            server.stop()
            runs = receiver.store.history.runs(limit=INCIDENTS * 3)
            receiver.close()
        tails = "\n".join(log.read_text()[-3000:] for log in logs)

        by_incident: dict[str, Counter[str]] = {}
        for run in runs:
            by_incident.setdefault(str(run.incident_id), Counter())[str(run.status)] += 1
        statuses = Counter(str(run.status) for run in runs)
        durations = sorted(
            (r.finished_at - r.started_at).total_seconds() for r in runs if r.finished_at
        )
        missing = [f"S{n}" for n in range(INCIDENTS) if f"S{n}" not in by_incident]
        assert not missing, f"incidents never run: {missing[:10]}\n{tails}"
        wrong = {i: dict(c) for i, c in by_incident.items() if c["succeeded"] != 1}
        assert not wrong, f"incidents without exactly one completed run: {wrong}\n{tails}"
        assert statuses["running"] == 0, tails
        assert statuses["interrupted"] >= 1, "the SIGKILL landed while its worker was idle"

        effects: Counter[str] = Counter()
        problems: list[str] = []
        for n in range(INCIDENTS):
            incident = sandbox.pagerduty.incident(f"S{n}")
            reasons = sandbox.ocm.limited_support_reasons(cluster_id(n))
            logs_sent = sandbox.ocm.service_logs_posted(cluster_id(n))
            want = (1, 0) if is_chgm(n) else (0, 1)
            got = (len(reasons), len(logs_sent))
            effects.update(
                notes=len(incident.notes),
                limited_support=len(reasons),
                service_logs=len(logs_sent),
                silenced=incident.escalation_policy_id == sandbox.pagerduty.silent_policy_id,
            )
            if len(incident.notes) != 1 or got != want:
                done = [r for r in runs if r.incident_id == f"S{n}" and r.status == "succeeded"]
                problems.append(
                    f"S{n}: {len(incident.notes)} notes, (LS, SL) {got} != {want}; "
                    f"notes {[note['content'][:300] for note in incident.notes]}; "
                    f"actions {[(a.type, a.outcome) for r in done for a in r.actions]}"
                )
            if incident.escalation_policy_id != sandbox.pagerduty.silent_policy_id:
                problems.append(f"S{n}: not silenced")
        report = (
            f"\nscale-out: {INCIDENTS} incidents, {len(bodies)} deliveries "
            f"({len(bodies) - INCIDENTS} duplicates), {WORKERS} workers x {CONCURRENCY}, "
            f"{FAULT_RATE:.0%} faults, one SIGKILL; {elapsed:.0f} s\n"
            f"  runs by status: {dict(statuses)}; run duration p50 "
            f"{durations[len(durations) // 2]:.2f} s, max {durations[-1]:.2f} s\n"
            f"  effects: {dict(effects)}\n"
            f"  faults injected: "
            f"{ {s: sandbox.faults(s).hits for s in ('ocm', 'pagerduty', 'backplane', 'aws')} }"
        )
        with capsys.disabled():  # the counts it checked, in every run's output
            print(report)
        assert not problems, "\n".join(problems[:20]) + "\n" + tails
        assert effects == {
            "notes": INCIDENTS,
            "limited_support": INCIDENTS // 2,
            "service_logs": INCIDENTS // 2,
            "silenced": INCIDENTS,
        }
