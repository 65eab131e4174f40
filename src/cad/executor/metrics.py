"""Prometheus metrics of the executor, fed by a hook.

Each action type may declare an ``effect_metric``: a counter of its real effects (not dry
runs, not skipped duplicates), labelled ``alert_type`` (the alert's name; empty in a manual
run), ``investigation`` and the action's ``metric_labels()``. The original's two are declared
by their action classes: ``cad_investigate_servicelog_sent_total{alert_type,investigation}``
and ``cad_investigate_limitedsupport_set_total{alert_type,investigation,ls_summary}``.
A type may also declare ``outcome_metrics``, counted when it finished whatever the outcome
(live runs only), with the labels its ``outcome_counts`` gives: the etcd snapshot's
``cad_investigate_etcd_database_analysis_total{status,reason}`` and
``cad_investigate_etcd_snapshot_cleanup_total{status}``.
"""

from __future__ import annotations

import threading
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram

from cad.actions.base import Action, EffectMetric, action_classes
from cad.executor.hooks import ActionFinished, ExecutorHooks
from cad.executor.report import Outcome

__all__ = ["ExecutorMetrics", "MetricsHook"]


class ExecutorMetrics:
    """The executor's metric families, registered in one registry."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self._effects: dict[str, Counter] = {}
        self._lock = threading.Lock()
        for cls in action_classes():
            self.effect_counter(cls)
            for metric in cls.outcome_metrics:
                self._counter(metric)
        self.actions = Counter(
            "cad_actions_total",
            "Actions by type and outcome",
            ["type", "outcome"],
            registry=registry,
        )
        self.attempts = Counter(
            "cad_action_attempts_total",
            "Attempts to apply actions (retries included)",
            ["type"],
            registry=registry,
        )
        self.duration = Histogram(
            "cad_action_duration_seconds",
            "Time spent applying an action, retries and waits included",
            ["type"],
            registry=registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
        )
        self.hook_failures = Counter(
            "cad_executor_hook_failures_total",
            "Executor hooks that raised (observers, and the ledger failing to check or record)",
            ["hook", "method"],
            registry=registry,
        )

    def effect_counter(self, cls: type[Action]) -> Counter | None:
        """The counter of ``cls``'s real effects (made on first use), or ``None``."""
        metric = cls.effect_metric
        return None if metric is None else self._counter(metric)

    def outcome_counter(self, cls: type[Action], name: str) -> Counter | None:
        """``cls``'s counter of outcomes called ``name`` (made on first use), or ``None``."""
        for metric in cls.outcome_metrics:
            if metric.name == name:
                return self._counter(metric)
        return None

    def _counter(self, metric: EffectMetric) -> Counter:
        with self._lock:
            if metric.name not in self._effects:
                self._effects[metric.name] = Counter(
                    metric.name,
                    metric.documentation,
                    ["alert_type", "investigation", *metric.labels],
                    registry=self.registry,
                )
            return self._effects[metric.name]

    def count_hook_failure(self, hook: str, method: str) -> None:
        """Count one failure of ``hook``'s ``method``."""
        self.hook_failures.labels(hook=hook, method=method).inc()


class MetricsHook(ExecutorHooks):
    """Counts every action's outcome, attempts and duration, and real effects."""

    def __init__(self, metrics: ExecutorMetrics) -> None:
        self.metrics = metrics
        # prometheus_client's labels() costs microseconds; the label sets are few.
        self._outcomes: dict[tuple[str, str], Any] = {}
        self._per_type: dict[str, tuple[Any, Any]] = {}

    def _outcome_counter(self, action_type: str, outcome: str) -> Any:
        key = (action_type, outcome)
        if key not in self._outcomes:
            self._outcomes[key] = self.metrics.actions.labels(type=action_type, outcome=outcome)
        return self._outcomes[key]

    def _type_metrics(self, action_type: str) -> tuple[Any, Any]:
        if action_type not in self._per_type:
            self._per_type[action_type] = (
                self.metrics.attempts.labels(type=action_type),
                self.metrics.duration.labels(type=action_type),
            )
        return self._per_type[action_type]

    def action_finished(self, event: ActionFinished) -> None:
        record = event.record
        self._outcome_counter(record.type, record.outcome.value).inc()
        if record.attempts:
            attempts, duration = self._type_metrics(record.type)
            attempts.inc(record.attempts)
            duration.observe(record.duration_s)
        if event.options.dry_run:
            return
        for name, extra in event.action.outcome_counts(record.outcome.value, record.facts):
            outcomes = self.metrics.outcome_counter(type(event.action), name)
            if outcomes is not None:
                outcomes.labels(
                    alert_type=event.ctx.alert, investigation=event.ctx.investigation, **extra
                ).inc()
        if record.outcome is not Outcome.SUCCEEDED:
            return
        counter = self.metrics.effect_counter(type(event.action))
        if counter is not None:
            labels = event.action.metric_labels()
            counter.labels(
                alert_type=event.ctx.alert, investigation=event.ctx.investigation, **labels
            ).inc()
