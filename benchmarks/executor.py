"""Executor benchmark: wall time against the critical-path lower bound, and own cost.

Fakes answer every call after a fixed latency. The lower bound is the sum of latencies
along the longest chain the ordering rules force: phase 1 takes as long as its slowest
action (its probe and its write), then phase 2 runs every PagerDuty action in order.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable

import structlog
from prometheus_client import CollectorRegistry

from cad.actions import Action, Lane, escalate, limited_support, note, service_log, silence
from cad.domain import ClusterRef, IncidentRef
from cad.executor import ExecutionContext, Executor, ExecutorMetrics, InMemoryLedger, WriteClients
from cad.testing import FakeBackplane, FakeOcm, FakePagerDuty, Journal

# Calls each action makes when nothing is skipped: a probe read and a write, or a write. The
# PagerDuty phase first reads the incident once (is it resolved? issue 21), and that read
# serves the reads of a silence (the policy it records), an escalation (the policy it may
# move back from) and a title change: after it, each of those is one write.
CALLS = {
    "service_log": 2,
    "limited_support": 2,
    "pagerduty_note": 1,
    "silence_incident": 1,
    "escalate_incident": 1,
    "backplane_report": 1,
    "pagerduty_title_update": 1,
}
INCIDENT_STATE_READ = 1

PLANS: dict[str, Callable[[], list[Action]]] = {
    "(a) note + limited support + silence": lambda: [
        note("Customer stopped instances."),
        limited_support("Cluster is in Limited Support", "details", "StoppedInstances"),
        silence("Customer stopped instances."),
    ],
    "(b) 10 SL + 10 LS + note + escalation": lambda: [
        *[service_log("Major", f"SL {i}", "d") for i in range(10)],
        *[limited_support(f"LS {i}", "d") for i in range(10)],
        note("Findings."),
        escalate("needs a human"),
    ],
}


def lower_bound(actions: list[Action], latency: float) -> float:
    phase_one = [CALLS[a.action_type] for a in actions if a.lane is not Lane.PAGERDUTY]
    phase_two = [CALLS[a.action_type] for a in actions if a.lane is Lane.PAGERDUTY]
    guard = INCIDENT_STATE_READ if phase_two else 0
    return (max(phase_one, default=0) + guard + sum(phase_two)) * latency


def prepare(latency: float, n: int) -> ExecutionContext:
    journal = Journal()
    incident = IncidentRef(id=f"Q{n}", title="bench")
    pagerduty = FakePagerDuty(journal, latency_s=latency)
    pagerduty.add_incident(incident.id, incident.title)
    return ExecutionContext(
        investigation="bench",
        cluster=ClusterRef(id="c1", external_id="e1", product="rosa"),
        incident=incident,
        clients=WriteClients(
            ocm=FakeOcm(journal, latency_s=latency),
            pagerduty=pagerduty,
            backplane=FakeBackplane(journal, latency_s=latency),
        ),
    )


def run_once(executor: Executor, actions: list[Action], ctx: ExecutionContext) -> float:
    started = time.perf_counter()
    report = executor.execute(actions, ctx)
    elapsed = time.perf_counter() - started
    assert report.status == "succeeded", report.failures
    return elapsed


def main() -> None:
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        cache_logger_on_first_use=True,
    )
    latency = 0.050
    print("Executor: fakes with 50 ms per call")
    with Executor.standard(
        ledger=InMemoryLedger(), metrics=ExecutorMetrics(CollectorRegistry())
    ) as executor:
        for name, make in PLANS.items():
            runs = [run_once(executor, make(), prepare(latency, i)) for i in range(5)]
            wall = statistics.median(runs)
            bound = lower_bound(make(), latency)
            print(
                f"  {name:<42} wall {wall * 1000:7.1f} ms   critical path {bound * 1000:6.1f} ms"
                f"   ratio {wall / bound:5.3f}  (goal <= 1.10)"
            )
        print("Executor: zero latency, own cost per action (logging, ledger, metrics hooks on)")
        for name, make in PLANS.items():
            count = len(make())
            rounds = 300
            batches = [(make(), prepare(0.0, 10_000 + i)) for i in range(rounds)]
            spent = sum(run_once(executor, actions, ctx) for actions, ctx in batches)
            per_action = spent / (rounds * count)
            print(f"  {name:<42} {per_action * 1000:6.3f} ms per action  (goal < 0.2 ms)")


if __name__ == "__main__":
    main()
