"""Receiver and worker metrics (the executor's live in the same registry): shared by the
webhook receiver and the workers, so that neither imports the other."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = ["QueueCollector", "ServiceMetrics", "cad_version", "register_process_metrics"]


def cad_version() -> str:
    """The installed package's version (``unknown`` when CAD runs from an uninstalled tree)."""
    try:
        return version("cad")
    except PackageNotFoundError:
        return "unknown"


def register_process_metrics(registry: CollectorRegistry, *, revision: str) -> None:
    """Add what every ``/metrics`` of CAD serves besides its own counters: the process
    (``process_*``: CPU, memory, open files), the interpreter (``python_info``,
    ``python_gc_*``), and ``cad_build_info{version,revision}`` (always 1)."""
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    Info("cad_build", "CAD's version and source revision", registry=registry).info(
        {"version": cad_version(), "revision": revision}
    )


class QueueCollector(Collector):
    """``cad_queue_depth``: deliveries waiting, read from the store at scrape time."""

    def __init__(self, depth: Callable[[], int]) -> None:
        self.depth = depth

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            value = float(self.depth())
        except Exception:
            value = float("nan")
        yield GaugeMetricFamily(
            "cad_queue_depth", "Webhook deliveries waiting for a worker", value=value
        )


class ServiceMetrics:
    """``cad_webhook_deliveries_total{outcome}``, ``cad_runs_total{status}``,
    ``cad_run_duration_seconds``, and the queue depth."""

    def __init__(self, registry: CollectorRegistry, depth: Callable[[], int]) -> None:
        self.registry = registry
        self.deliveries = Counter(
            "cad_webhook_deliveries_total",
            "Webhook deliveries by outcome",
            ["outcome"],
            registry=registry,
        )
        self.runs = Counter(
            "cad_runs_total",
            "Controller runs by status (crashed: the run raised, a CAD bug or a store outage)",
            ["status"],
            registry=registry,
        )
        self.run_duration = Histogram(
            "cad_run_duration_seconds",
            "Time from a worker taking a delivery to the end of its run",
            registry=registry,
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
        )
        self.retries = Counter(
            "cad_run_retries_total",
            "Runs put back in the queue to be tried again",
            registry=registry,
        )
        self.recovered = Counter(
            "cad_stalled_jobs_recovered_total",
            "Jobs of workers that stopped sending heartbeats, taken up again",
            registry=registry,
        )
        registry.register(QueueCollector(depth))
