"""Metrics: the original's effect counters for real writes only (labelled with the alert's
name and the investigation), plus per-action metrics."""

from __future__ import annotations

from cad.actions import limited_support, note, service_log
from cad.clients.writers import LimitedSupportReasonEntry
from cad.executor import ExecutionOptions, Executor, ExecutorMetrics
from cad.testing import FakeOcm, permanent, transient

from .conftest import ContextFactory


def value(metrics: ExecutorMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_successful_writes_are_counted(
    executor: Executor, context: ContextFactory, metrics: ExecutorMetrics, ocm: FakeOcm
) -> None:
    ocm.fail("post_service_log", transient(503))
    executor.execute(
        [service_log("Major", "S"), limited_support("LS", "d", "StoppedInstances"), note("n")],
        context(),
    )
    assert (
        value(
            metrics,
            "cad_investigate_servicelog_sent_total",
            alert_type="ClusterHasGoneMissing",
            investigation="chgm",
        )
        == 1
    )
    assert (
        value(
            metrics,
            "cad_investigate_limitedsupport_set_total",
            alert_type="ClusterHasGoneMissing",
            investigation="chgm",
            ls_summary="StoppedInstances",
        )
        == 1
    )
    assert value(metrics, "cad_actions_total", type="service_log", outcome="succeeded") == 1
    assert value(metrics, "cad_action_attempts_total", type="service_log") == 2
    assert value(metrics, "cad_action_duration_seconds_count", type="pagerduty_note") == 1


def test_failures_are_counted_but_never_as_sent(
    executor: Executor, context: ContextFactory, metrics: ExecutorMetrics, ocm: FakeOcm
) -> None:
    ocm.fail("post_service_log", permanent(400))
    executor.execute([service_log("Major", "S")], context())
    assert (
        value(
            metrics,
            "cad_investigate_servicelog_sent_total",
            alert_type="ClusterHasGoneMissing",
            investigation="chgm",
        )
        == 0
    )
    assert value(metrics, "cad_actions_total", type="service_log", outcome="failed") == 1


def test_dry_runs_and_skipped_duplicates_are_not_counted_as_sent(
    executor: Executor, context: ContextFactory, metrics: ExecutorMetrics, ocm: FakeOcm
) -> None:
    executor.execute([service_log("Major", "S")], context(), ExecutionOptions(dry_run=True))
    ocm.limited_support["c1"].append(LimitedSupportReasonEntry(id="x", summary="LS", details="d"))
    executor.execute([limited_support("LS", "d", "CCAM")], context())
    assert (
        value(
            metrics,
            "cad_investigate_servicelog_sent_total",
            alert_type="ClusterHasGoneMissing",
            investigation="chgm",
        )
        == 0
    )
    assert (
        value(
            metrics,
            "cad_investigate_limitedsupport_set_total",
            alert_type="ClusterHasGoneMissing",
            investigation="chgm",
            ls_summary="CCAM",
        )
        == 0
    )
    assert value(metrics, "cad_actions_total", type="service_log", outcome="dry_run") == 1
    assert value(metrics, "cad_actions_total", type="limited_support", outcome="skipped") == 1


def test_a_manual_runs_effects_name_the_investigation_and_no_alert(
    executor: Executor, context: ContextFactory, metrics: ExecutorMetrics
) -> None:
    # A manual run has no alert: alert_type is empty, never the investigation's name
    executor.execute([service_log("Major", "S")], context(incident=None, alert=""))
    sent = "cad_investigate_servicelog_sent_total"
    assert value(metrics, sent, alert_type="", investigation="chgm") == 1
    assert value(metrics, sent, alert_type="chgm", investigation="chgm") == 0
