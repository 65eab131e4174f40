"""CPU per incident: the worker's own CPU time per CHGM incident, and its calls per API
against the minimum the investigations need.

One ``cadctl worker`` process (concurrency 1) runs the incidents; the simulators, the
receiver and PostgreSQL are other processes (this one, and the database server), so the
worker's CPU time (``/proc/<pid>/stat``: user + system, its threads included) is CAD's own:
clients, controller, investigations, executor, ledger and store. A few incidents warm it up
first (imports, connection pools, tokens), then the clock is read around the measured batch.

``python -m benchmarks.cpu --profile`` runs the same incidents through the controller in this
process under cProfile instead (the simulators answer on their own threads, which cProfile
does not see; the timer is the thread's CPU time) and prints where CAD's time goes.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from tests.postgres import PostgresUnavailableError, scratch_database
from tests.workers import start_worker, wait_for_workers, worker_environment

from cad.config.investigation_config import load_default_config
from cad.investigations.registry import REGISTRY
from cad.logging import configure_logging
from cad.sandbox_service import build_sandbox_service
from cad.simulators.faults import Fault
from cad.simulators.sandbox import Sandbox
from cad.simulators.server import ServerThread
from cad.simulators.world import WorldSpec
from cad.webhook.signature import sign

SECRET = "bench-secret"  # noqa: S105  # a benchmark's own secret
WARMUP = 4
INCIDENTS = 30
SYSTEMS = ("ocm", "pagerduty", "backplane", "aws")
# Counted per request: (method, path glob) of each API, most specific first.
ENDPOINTS: dict[str, list[tuple[str, str]]] = {
    "ocm": [
        ("POST", "*/token"),
        ("GET", "/api/clusters_mgmt/v1/clusters"),
        ("GET", "/api/clusters_mgmt/v1/clusters/*/external_configuration/labels"),
        ("GET", "/api/clusters_mgmt/v1/clusters/*/machine_pools"),
        ("GET", "/api/clusters_mgmt/v1/clusters/*/resources/live"),
        ("GET", "/api/clusters_mgmt/v1/clusters/*/limited_support_reasons"),
        ("POST", "/api/clusters_mgmt/v1/clusters/*/limited_support_reasons"),
        ("GET", "/api/clusters_mgmt/v1/clusters/*"),
        ("GET", "/api/access_transparency/*"),
        ("GET", "/api/service_logs/*"),
        ("POST", "/api/service_logs/*"),
        ("GET", "/api/accounts_mgmt/*"),
        ("*", "*"),
    ],
    "pagerduty": [
        ("GET", "/incidents/*/alerts"),
        ("GET", "/incidents/*/notes"),
        ("POST", "/incidents/*/notes"),
        ("GET", "/incidents/*"),
        ("PUT", "/incidents/*"),
        ("*", "*"),
    ],
    "backplane": [
        ("GET", "/backplane/cloud/credentials/assume-role-sequence/*"),
        ("POST", "/backplane/cluster/*/reports"),
        ("POST", "/backplane/remediation/*"),
        ("DELETE", "/backplane/remediation/*"),
        ("*", "*"),
    ],
    "aws": [("*", "*")],
}
# The calls one CHGM incident (a customer stopped an instance) needs, per API. PagerDuty:
# the alerts (the cluster id), the incident's state and policy read once, the note, the
# silence and the title. OCM: the cluster, its infrastructure labels, its subscription (the
# organization the history records; once per cluster and hour, and every cluster here is
# new), access protection (precheck), the cluster deployment and machine pools (CHGM), the
# limited-support reasons (the probe) and the new one. Backplane: the role sequence and the
# cluster report. AWS: the role chain (web identity and two hops), one DescribeInstances,
# one LookupEvents per event name (StopInstances, TerminateInstances: one lookup attribute
# per call).
MINIMUM = {"pagerduty": 5, "ocm": 8, "backplane": 2, "aws": 6}
UNCOUNTED = 10**9  # a fault's ``times`` counts down from here: what it hit is the difference


def world(count: int, prefix: str) -> WorldSpec:
    """``count`` clusters, each with a control-plane instance a customer stopped (CHGM)."""
    clusters = [
        {
            "id": f"{n:02d}{prefix}{'x' * (30 - len(prefix))}",
            "name": f"{prefix}-{n}",
            "aws": {
                "instances": [
                    {"id": "i-1", "name": f"{prefix}-{n}-master-0", "state": "stopped"}
                    | {"stopped_at": "-40m"}
                ],
                "cloudtrail": [
                    {"instance_id": "i-1", "time": "-39m", "username": "jdoe"}
                    | {"issuer_username": "Admin"}
                ],
            },
        }
        for n in range(count)
    ]
    return WorldSpec.model_validate({"clusters": clusters})


def seed(sandbox: Sandbox, count: int) -> list[str]:
    """The world and one incident per cluster; their ids."""
    spec = world(count, "cpu")
    sandbox.seed(spec)
    incidents = []
    for n, cluster in enumerate(spec.clusters):
        incident = f"C{n}"
        sandbox.create_incident(
            incident, "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": cluster.id}]
        )
        incidents.append(incident)
    return incidents


def counters(sandbox: Sandbox) -> dict[str, list[Fault]]:
    """A fault per endpoint that changes nothing but counts the requests it matches."""
    return {
        system: [
            sandbox.faults(system).add(method=method, path=path, times=UNCOUNTED)
            for method, path in ENDPOINTS[system]
        ]
        for system in SYSTEMS
    }


def counted(rules: dict[str, list[Fault]]) -> dict[str, dict[str, int]]:
    return {
        system: {
            f"{rule.method} {rule.path}": UNCOUNTED - (rule.times or 0)
            for rule in found
            if rule.times != UNCOUNTED
        }
        for system, found in rules.items()
    }


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, its threads and waited-for children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def post(http: httpx.Client, sandbox: Sandbox, url: str, incident: str) -> None:
    body = json.dumps(
        sandbox.pagerduty.webhook_payload(incident, event_id=uuid.uuid4().hex)
    ).encode()
    answer = http.post(
        f"{url}/webhooks/pagerduty",
        content=body,
        headers={"X-PagerDuty-Signature": sign(body, SECRET)},
    )
    assert answer.status_code == 202, answer.text


def wait_runs(service: Any, count: int, timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        runs = service.store.history.runs(limit=count + 10)
        if len(runs) >= count and all(r.finished_at for r in runs):
            failed = [r for r in runs if r.status != "succeeded"]
            assert not failed, failed[0]
            return
        time.sleep(0.02)
    raise TimeoutError(f"{count} runs did not finish in {timeout_s:.0f} s")


def measure(sandbox: Sandbox, database_url: str) -> None:
    incidents = seed(sandbox, WARMUP + INCIDENTS)
    settings = sandbox.settings(pd_webhook_secrets=SECRET, database_url=database_url)
    service = build_sandbox_service(
        settings, load_default_config(known=REGISTRY.names()), workers=0, sandbox=sandbox
    )
    server = ServerThread(service.app).start()
    env = worker_environment(
        os.environ,
        database_url,
        sandbox.environment(),
        CAD_LOG_LEVEL="error",
        CAD_BUDGET_LIMITED_SUPPORT_PER_HOUR="100000",
    )
    worker = start_worker(env, concurrency=1)
    try:
        wait_for_workers(database_url, 1)
        with httpx.Client(timeout=30) as http:
            for incident in incidents[:WARMUP]:
                post(http, sandbox, server.url, incident)
            wait_runs(service, WARMUP)
            rules = counters(sandbox)
            before, started = cpu_seconds(worker.pid), time.perf_counter()
            for incident in incidents[WARMUP:]:
                post(http, sandbox, server.url, incident)
            wait_runs(service, WARMUP + INCIDENTS)
            spent, elapsed = cpu_seconds(worker.pid) - before, time.perf_counter() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        server.stop()
        service.close()
    print(
        f"  CPU ms per incident: {spent / INCIDENTS * 1000:6.1f}   "
        f"({INCIDENTS} incidents in {elapsed:.1f} s wall, worker CPU {spent:.2f} s)"
    )
    calls = counted(rules)
    for system in SYSTEMS:
        total = sum(calls[system].values()) / INCIDENTS
        detail = ", ".join(f"{name} {n / INCIDENTS:.1f}" for name, n in calls[system].items() if n)
        print(
            f"  {system:<9} calls per incident {total:5.1f} (minimum {MINIMUM[system]})   {detail}"
        )


def profile(sandbox: Sandbox, database_url: str) -> None:
    """The same incidents through the controller in this process, under cProfile."""
    incidents = seed(sandbox, WARMUP + INCIDENTS)
    settings = sandbox.settings(pd_webhook_secrets=SECRET, database_url=database_url)
    service = build_sandbox_service(
        settings,
        load_default_config(known=REGISTRY.names()),
        workers=1,
        sandbox=sandbox,
        start_workers=False,
    )
    controller = service.runtime.controller
    payloads = [json.dumps(sandbox.pagerduty.webhook_payload(i)) for i in incidents]
    try:
        for payload in payloads[:WARMUP]:
            controller.investigate(payload)
        profiler = cProfile.Profile(time.thread_time)  # CPU time, not waits
        started = time.thread_time()
        profiler.enable()
        for payload in payloads[WARMUP:]:
            controller.investigate(payload)
        profiler.disable()
        spent = time.thread_time() - started
    finally:
        service.close()
    print(f"  main thread CPU ms per incident (profiled): {spent / INCIDENTS * 1000:.1f}")
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    configure_logging("error")
    print(f"CPU per incident: {INCIDENTS} CHGM incidents, 1 cadctl worker process (concurrency 1)")
    try:
        with Sandbox() as sandbox, scratch_database("cad_bench") as url:
            (profile if "--profile" in argv else measure)(sandbox, url)
    except PostgresUnavailableError:
        print("  PostgreSQL: not reachable on 127.0.0.1:5432, skipped")


if __name__ == "__main__":
    main()
