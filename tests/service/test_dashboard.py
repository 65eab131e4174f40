"""The Grafana dashboard only queries metrics CAD really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import CollectorRegistry

from cad.controller.metrics import ControllerMetrics
from cad.executor import ExecutorMetrics
from cad.metrics import ServiceMetrics

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboards" / "cad.json"
FUNCTIONS = {
    "sum",
    "by",
    "rate",
    "increase",
    "max",
    "histogram_quantile",
    "le",
    "type",
    "outcome",
    "status",
    "alert_type",
    "ls_summary",
}


def exported() -> set[str]:
    registry = CollectorRegistry()
    ExecutorMetrics(registry)
    ControllerMetrics(registry)
    ServiceMetrics(registry, lambda: 0)
    names = set()
    for family in registry.collect():
        names.add(family.name)
        if family.type == "counter":
            names.add(f"{family.name}_total")  # counter families are named without _total
        names.update(sample.name for sample in family.samples)
    return names | {f"{n}_bucket" for n in names}


def test_every_query_of_the_dashboard_names_a_metric_cad_exports() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    known = exported()
    queried = set()
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = {
                n for n in re.findall(r"[a-z_][a-z0-9_]*", target["expr"]) if n.startswith("cad_")
            }
            assert names, f"{panel['title']}: no CAD metric in {target['expr']}"
            queried |= names
    assert queried - known == set(), f"unknown metrics: {queried - known}"
    for required in ("cad_webhook_deliveries_total", "cad_queue_depth", "cad_runs_total", "cad_run_duration_seconds_bucket",
                     "cad_actions_total", "cad_action_attempts_total", "cad_investigate_limitedsupport_set_total",
                     "cad_investigate_servicelog_sent_total"):  # fmt: skip
        assert required in queried, required
