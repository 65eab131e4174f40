"""Prometheus metrics of the executor, fed by a hook.

The original's two effect counters count real writes only (not dry-run, not skipped
duplicates): ``cad_investigate_servicelog_sent_total{alert_type}`` and
``cad_investigate_limitedsupport_set_total{alert_type,ls_summary}`` (``ls_summary`` holds the
action's context label, as in the original).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram

from cad.actions.base import Action
from cad.executor.context import ExecutionContext, ExecutionOptions
from cad.executor.hooks import ExecutorHooks
from cad.executor.report import ActionRecord, Outcome

__all__ = ["ExecutorMetrics", "MetricsHook"]


class ExecutorMetrics:
    """The executor's metric families, registered in one registry."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.servicelog_sent = Counter(
            "cad_investigate_servicelog_sent_total",
            "Service logs sent to customers",
            ["alert_type"],
            registry=registry,
        )
        self.limitedsupport_set = Counter(
            "cad_investigate_limitedsupport_set_total",
            "Limited-support reasons set on clusters",
            ["alert_type", "ls_summary"],
            registry=registry,
        )
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


def _count_service_log(m: ExecutorMetrics, ctx: ExecutionContext, action: Action) -> None:
    m.servicelog_sent.labels(alert_type=ctx.investigation).inc()


def _count_limited_support(m: ExecutorMetrics, ctx: ExecutionContext, action: Action) -> None:
    context = str(getattr(action, "context", ""))
    m.limitedsupport_set.labels(alert_type=ctx.investigation, ls_summary=context).inc()


# The two customer-facing effects the original counts, by action type string.
_EFFECT_COUNTERS: dict[str, Callable[[ExecutorMetrics, ExecutionContext, Action], None]] = {
    "service_log": _count_service_log,
    "limited_support": _count_limited_support,
}


class MetricsHook(ExecutorHooks):
    """Counts every action's outcome, attempts and duration."""

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

    def action_finished(
        self,
        ctx: ExecutionContext,
        options: ExecutionOptions,
        action: Action,
        key: str,
        record: ActionRecord,
    ) -> None:
        self._outcome_counter(record.type, record.outcome.value).inc()
        if record.attempts:
            attempts, duration = self._type_metrics(record.type)
            attempts.inc(record.attempts)
            duration.observe(record.duration_s)
        counter = _EFFECT_COUNTERS.get(record.type)
        if counter is not None and record.outcome is Outcome.SUCCEEDED and not options.dry_run:
            counter(self.metrics, ctx, action)
