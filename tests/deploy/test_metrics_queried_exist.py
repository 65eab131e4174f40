"""Every metric an alert rule (deploy/monitoring/prometheusrule.yaml) or the Grafana dashboard
(dashboards/cad.json) queries is one CAD exports: the names come from the registry a
receiver and a worker serve on /metrics, built as `cadctl serve` and `cadctl worker` build it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cad.config.investigation_config import load_default_config
from cad.investigations.registry import REGISTRY
from cad.service import build_runtime
from cad.simulators.sandbox import Sandbox
from tests.databases import sqlite_url
from tests.deploy.manifests import ROOT, everything, named

PROMETHEUS_OWN = {"up"}
"""Series Prometheus makes for every target itself."""

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "gauge": ("",),
    "info": ("_info",),
}
_FUNCTIONS_AND_KEYWORDS = {
    "abs", "absent", "and", "avg", "bool", "by", "ceil", "count", "delta", "deriv",
    "floor", "group_left", "group_right", "histogram_quantile", "idelta", "ignoring",
    "increase", "irate", "label_replace", "max", "max_over_time", "min", "min_over_time",
    "offset", "on", "or", "quantile", "rate", "round", "scalar", "sort", "sum",
    "sum_over_time", "time", "topk", "unless", "vector", "without",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (strings, label matchers, grouping
    clauses and ranges removed; what is left that is neither a function nor a keyword)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        word = match.group()
        followed = expr[match.end() :].lstrip()
        if word in _FUNCTIONS_AND_KEYWORDS or followed.startswith("("):
            continue
        names.add(word)
    return names


def _dashboard_exprs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield value
            else:
                yield from _dashboard_exprs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _dashboard_exprs(item)


def _rule_exprs() -> list[str]:
    rule = named(everything(), "PrometheusRule", "cad")
    return [str(r["expr"]) for group in rule["spec"]["groups"] for r in group["rules"]]


DASHBOARD = json.loads((ROOT / "dashboards/cad.json").read_text())
QUERIES = [("alert rule", expr) for expr in _rule_exprs()] + [
    ("dashboard", expr) for expr in _dashboard_exprs(DASHBOARD)
]


@pytest.fixture(scope="module")
def exported(running_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The series names of the registry `cadctl serve` and `cadctl worker` expose (built
    with the sandbox's settings: real clients, pointed at the simulators)."""
    folder: Path = tmp_path_factory.mktemp("metrics")
    settings = running_sandbox.settings(database_url=sqlite_url(folder))
    runtime = build_runtime(settings, load_default_config(known=REGISTRY.names()))
    try:
        families = list(runtime.registry.collect())
    finally:
        runtime.close()
    return {family.name + suffix for family in families for suffix in _SUFFIXES[family.type]} | {
        sample.name for family in families for sample in family.samples
    }


def test_the_metric_name_reader_finds_the_metrics_and_nothing_else() -> None:
    assert metric_names(
        'histogram_quantile(0.99, sum by (le, type) (rate(cad_a_bucket{x="y(z)"}[5m])))'
        " / ignoring(type) group_left max(cad_b) > 0 and absent(up)"
    ) == {"cad_a_bucket", "cad_b", "up"}


def test_there_are_alert_rules_and_dashboard_panels_to_check() -> None:
    kinds = {kind for kind, _ in QUERIES}
    assert kinds == {"alert rule", "dashboard"}


@pytest.mark.parametrize(("source", "expr"), QUERIES, ids=[e for _, e in QUERIES])
def test_every_queried_metric_is_exported_by_cad(
    source: str, expr: str, exported: set[str]
) -> None:
    names = metric_names(expr)
    assert names, f"{source}: no metric found in {expr!r}"
    assert names - exported - PROMETHEUS_OWN == set(), f"{source}: {expr}"


@pytest.mark.parametrize(("source", "expr"), QUERIES, ids=[e for _, e in QUERIES])
def test_every_query_closes_what_it_opens(source: str, expr: str) -> None:
    stack: list[str] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    for char in re.sub(r'"(?:[^"\\]|\\.)*"', "", expr):
        if char in "([{":
            stack.append(char)
        elif char in pairs:
            assert stack, f"{source}: {expr}"
            assert stack.pop() == pairs[char], f"{source}: {expr}"
    assert not stack, f"{source}: {expr}"
