"""Burst: a regional outage's worth of CHGM incidents delivered at once to 2 ``cadctl
worker`` processes (8 jobs at a time each), on PostgreSQL, against simulators answering
after 20 ms and enforcing the services' real rate limits (PagerDuty 960 requests a minute
per token, CloudTrail LookupEvents 2 a second per account and region, OCM 50 a second: 429
with Retry-After beyond them). Reports the time to drain the queue, the 429s CAD met (goal:
none: the shared rate budgets keep it under the limits) and, from each delivery to its
last action, p50 and p99. ``BENCH_BURST_INCIDENTS`` sets the size (500, the issue's figure:
about four minutes, paced by PagerDuty's limit; 100 for a quicker look).
"""

from __future__ import annotations

import os

from tests.postgres import PostgresUnavailableError, scratch_database

from benchmarks.throughput import measure
from cad.logging import configure_logging
from cad.simulators.sandbox import Sandbox

INCIDENTS = int(os.environ.get("BENCH_BURST_INCIDENTS", "500"))
WORKERS = 2
CONCURRENCY = 8
LATENCY_MS = 20


def main() -> None:
    configure_logging("warning")
    print(
        f"Burst: {INCIDENTS} CHGM incidents at once, {WORKERS} worker processes x "
        f"{CONCURRENCY} jobs, simulators answering after {LATENCY_MS} ms and enforcing the "
        "real rate limits"
    )
    try:
        with Sandbox() as sandbox, scratch_database("cad_bench") as url:
            figures = measure(
                sandbox,
                url,
                WORKERS,
                incidents=INCIDENTS,
                latency_ms=LATENCY_MS,
                concurrency=CONCURRENCY,
                real_limits=True,
            )
    except PostgresUnavailableError:
        print("  PostgreSQL: not reachable on 127.0.0.1:5432, skipped")
        return
    throttled = sum(figures.throttled.values())
    print(
        f"  drained in {figures.elapsed_s:6.1f} s ({figures.rate:5.2f} incidents/s)   "
        f"delivery to last action p50 {figures.p50_s:5.1f} s   p99 {figures.p99_s:5.1f} s"
    )
    print(
        f"  429s: {throttled} (goal 0; "
        + ", ".join(f"{k} {v}" for k, v in figures.throttled.items())
        + ")   calls per incident: "
        + ", ".join(f"{k} {v:.1f}" for k, v in figures.calls.items())
    )


if __name__ == "__main__":
    main()
