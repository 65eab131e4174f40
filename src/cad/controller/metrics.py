"""The original's controller counters, and the push to a Prometheus pushgateway at exit."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, pushadd_to_gateway

__all__ = ["ControllerMetrics", "push_metrics"]


class ControllerMetrics:
    """``cad_investigate_alerts_total{alert_type}``,
    ``..._alerts_filtered_total{alert_type,investigation}``,
    ``..._manual_started_total{investigation,dry_run}``,
    ``..._manual_completed_total{investigation,status,dry_run}``.

    ``alert_type`` is always the alert's name (its config's ``name``, else its title); the
    investigation has its own label. A manual run has no alert: its counters name the
    investigation only."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.alerts = Counter(
            "cad_investigate_alerts_total",
            "Alerts CAD started a chain for",
            ["alert_type"],
            registry=registry,
        )
        self.filtered = Counter(
            "cad_investigate_alerts_filtered_total",
            "Alerts or chain entries skipped by a when filter (investigation empty: the "
            "alert's own filter)",
            ["alert_type", "investigation"],
            registry=registry,
        )
        self.manual_started = Counter(
            "cad_investigate_manual_started_total",
            "Manual runs started",
            ["investigation", "dry_run"],
            registry=registry,
        )
        self.manual_completed = Counter(
            "cad_investigate_manual_completed_total",
            "Manual runs completed, by status",
            ["investigation", "status", "dry_run"],
            registry=registry,
        )


def push_metrics(gateway: str, registry: CollectorRegistry = REGISTRY) -> None:
    """Add this run's counters to the pushgateway (job ``cad``), as the original."""
    pushadd_to_gateway(gateway, job="cad", registry=registry, timeout=10)
