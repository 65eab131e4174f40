"""Throughput: incidents per second through receiver, job queue, workers, controller and
executor, with 1, 2 and 4 ``cadctl worker`` processes (each running CONCURRENCY jobs at a
time), against simulators answering every call after 200 ms (a realistic latency: waiting
dominates, so throughput should scale with the worker count), on PostgreSQL. Latency is
from the delivery's POST to the end of its run (its last action). The receiver and the
simulators run in this process; the workers are started, and registered, before the clock
starts. The shared rate budgets are off (:data:`NO_RATE_BUDGETS`).
``BENCH_THROUGHPUT_INCIDENTS`` and ``BENCH_LATENCY_MS`` change the size and the latency.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from tests.postgres import PostgresUnavailableError, scratch_database
from tests.workers import start_worker, wait_for_workers, worker_environment

from cad.config.investigation_config import load_default_config
from cad.investigations.registry import REGISTRY
from cad.logging import configure_logging
from cad.sandbox_service import build_sandbox_service
from cad.simulators.sandbox import Sandbox
from cad.simulators.server import ServerThread
from cad.simulators.world import WorldSpec
from cad.webhook.signature import sign

SECRET = "bench-secret"  # noqa: S105  # a benchmark's own secret
INCIDENTS = int(os.environ.get("BENCH_THROUGHPUT_INCIDENTS", "32"))
LATENCY_MS = int(os.environ.get("BENCH_LATENCY_MS", "200"))
WORKER_COUNTS = (1, 2, 4)
# Worker scaling is measured without the rate budgets: PagerDuty's documented 960 requests a
# minute caps CHGM (about 8 PagerDuty calls each) near 1.7 incidents/s per token whatever
# the workers; the burst benchmark measures CAD under the budgets.
NO_RATE_BUDGETS = {
    "CAD_RATE_LIMIT_PAGERDUTY_PER_MINUTE": "0",
    "CAD_RATE_LIMIT_OCM_PER_SECOND": "0",
    "CAD_RATE_LIMIT_CLOUDTRAIL_PER_SECOND": "0",
}
CONCURRENCY = 4


def world(incidents: int = INCIDENTS) -> WorldSpec:
    """One cluster per incident, each with a control-plane instance a customer stopped: the
    CHGM path with OCM, AWS, CloudTrail, backplane and PagerDuty calls."""
    clusters = [
        {
            "id": f"{n:02d}bench{'x' * 25}",
            "name": f"bench-{n}",
            "aws": {
                "instances": [
                    {
                        "id": "i-1",
                        "name": f"bench-{n}-master-0",
                        "state": "stopped",
                        "stopped_at": "-40m",
                    }
                ],
                "cloudtrail": [
                    {
                        "instance_id": "i-1",
                        "time": "-39m",
                        "username": "jdoe",
                        "issuer_username": "Admin",
                    }
                ],
            },
        }
        for n in range(incidents)
    ]
    return WorldSpec.model_validate({"clusters": clusters})  # now: the workers' clock


def start_workers(
    sandbox: Sandbox,
    database_url: str,
    count: int,
    *,
    concurrency: int = CONCURRENCY,
    settings: dict[str, str] | None = None,
) -> list[subprocess.Popen[bytes]]:
    """``count`` worker processes, once every one has registered with the queue."""
    env = worker_environment(
        os.environ,
        database_url,
        sandbox.environment(),
        CAD_LOG_LEVEL="error",
        CAD_BUDGET_LIMITED_SUPPORT_PER_HOUR="100000",
        **(settings or {}),
    )
    workers = [start_worker(env, concurrency=concurrency) for _ in range(count)]
    wait_for_workers(database_url, count)
    return workers


@dataclass(frozen=True)
class Figures:
    """What one run of a benchmark measured."""

    incidents: int
    elapsed_s: float
    p50_s: float
    p99_s: float
    calls: dict[str, float]
    throttled: dict[str, int]

    @property
    def rate(self) -> float:
        return self.incidents / self.elapsed_s


def measure(
    sandbox: Sandbox,
    database_url: str,
    workers: int,
    *,
    incidents: int = INCIDENTS,
    latency_ms: int = LATENCY_MS,
    concurrency: int = CONCURRENCY,
    real_limits: bool = False,
    worker_settings: dict[str, str] | None = None,
) -> Figures:
    """Deliver ``incidents`` CHGM incidents to ``workers`` worker processes and wait until
    every one has a final run (``real_limits``: the simulators enforce the services' rate
    limits; ``worker_settings``: the workers' ``CAD_`` variables)."""
    sandbox.reset()
    spec = world(incidents)
    sandbox.seed(spec)
    for n, cluster in enumerate(spec.clusters):
        sandbox.create_incident(
            f"B{n}", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": cluster.id}]
        )
    systems = ("ocm", "pagerduty", "backplane", "aws")
    for system in systems:
        sandbox.faults(system).add(latency_ms=latency_ms)
    if real_limits:
        sandbox.enforce_rate_limits()
    hits_before = {system: sandbox.faults(system).hits for system in systems}
    settings = sandbox.settings(pd_webhook_secrets=SECRET, database_url=database_url)
    service = build_sandbox_service(
        settings, load_default_config(known=REGISTRY.names()), workers=0, sandbox=sandbox
    )
    server = ServerThread(service.app).start()
    processes = start_workers(
        sandbox, database_url, workers, concurrency=concurrency, settings=worker_settings
    )
    posted: dict[str, datetime] = {}
    try:
        started = time.perf_counter()
        with httpx.Client(timeout=30) as http:
            for n in range(incidents):
                body = json.dumps(
                    sandbox.pagerduty.webhook_payload(f"B{n}", event_id=uuid.uuid4().hex)
                ).encode()
                posted[f"B{n}"] = datetime.now(UTC)
                answer = http.post(
                    f"{server.url}/webhooks/pagerduty",
                    content=body,
                    headers={"X-PagerDuty-Signature": sign(body, SECRET)},
                )
                assert answer.status_code == 202, answer.text
        while True:
            runs = [
                r
                for r in service.store.history.runs(limit=incidents * 4)
                if r.finished_at and r.status != "deferred"
            ]
            if len({r.incident_id for r in runs}) >= incidents:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        server.stop()
        service.close()
    failed = [r for r in runs if r.status != "succeeded"]
    assert not failed, failed[0]
    latencies = [
        (r.finished_at - posted[str(r.incident_id)]).total_seconds()
        for r in runs
        if r.finished_at is not None
    ]
    cuts = statistics.quantiles(latencies, n=100)
    return Figures(
        incidents=incidents,
        elapsed_s=elapsed,
        p50_s=cuts[49],
        p99_s=cuts[98],
        calls={
            system: (sandbox.faults(system).hits - hits_before[system]) / incidents
            for system in systems
        },
        throttled=sandbox.throttled(),
    )


def main() -> None:
    configure_logging("warning")
    print(
        f"Throughput: {INCIDENTS} CHGM incidents, simulators answering after {LATENCY_MS} ms, "
        "rate budgets off, "
        f"PostgreSQL job queue, cadctl worker processes x {CONCURRENCY} jobs each"
    )
    rates: dict[int, float] = {}
    try:
        with Sandbox() as sandbox:
            for workers in WORKER_COUNTS:
                with scratch_database("cad_bench") as url:
                    figures = measure(sandbox, url, workers, worker_settings=NO_RATE_BUDGETS)
                rates[workers] = figures.rate
                print(
                    f"  {workers} worker process(es): {figures.rate:6.2f} incidents/s   "
                    f"latency p50 {figures.p50_s * 1000:6.0f} ms   "
                    f"p99 {figures.p99_s * 1000:6.0f} ms   calls per incident: "
                    + ", ".join(f"{k} {v:.1f}" for k, v in figures.calls.items())
                )
    except PostgresUnavailableError:
        print("  PostgreSQL: not reachable on 127.0.0.1:5432, skipped")
        return
    print(
        f"  scaling 2 worker processes / 1: {rates[2] / rates[1]:.2f} (ideal 2)   "
        f"4 / 1: {rates[4] / rates[1]:.2f} (ideal 4)"
    )


if __name__ == "__main__":
    main()
