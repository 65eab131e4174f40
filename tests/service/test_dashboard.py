"""The Grafana dashboard only queries metrics CAD really exports: those of a worker's
runtime (the receiver's and the worker's ``/metrics`` serve the same registry)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cad.config.investigation_config import InvestigationConfig
from cad.config.settings import Settings
from cad.service import build_runtime

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
    "investigation",
    "ls_summary",
    "action_type",
    "count",
    "version",
    "revision",
}


def exported(directory: Path) -> set[str]:
    """Every sample name a worker's runtime exports (credentials are never used: nothing runs)."""
    settings = Settings(
        database_path=str(directory / "cad.sqlite"),
        ocm_client_id="id",
        ocm_client_secret="unused-secret",
        backplane_url="https://backplane.invalid",
        backplane_initial_arn="arn:aws:iam::000000000000:role/initial",
        pd_token="unused-token",
        silent_policy="PSILENT",
    )
    runtime = build_runtime(settings, InvestigationConfig())
    try:
        registry = runtime.registry
        families = list(registry.collect())
    finally:
        runtime.close()
    names = set()
    for family in families:
        names.add(family.name)
        if family.type == "counter":
            names.add(f"{family.name}_total")  # counter families are named without _total
        names.update(sample.name for sample in family.samples)
    return names | {f"{n}_bucket" for n in names}


def test_every_query_of_the_dashboard_names_a_metric_cad_exports(tmp_path: Path) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    known = exported(tmp_path)
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
                     "cad_investigate_servicelog_sent_total", "cad_fleet_budget_refused_total",
                     "cad_run_retries_total", "cad_stalled_jobs_recovered_total",
                     "cad_build_info"):  # fmt: skip
        assert required in queried, required
