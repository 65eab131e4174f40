"""Observer hooks cannot abort an execution; "after" hooks run in reverse order."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry

from cad.actions import Action, escalate, note, service_log
from cad.executor import (
    ActionFinished,
    ExecutionContext,
    ExecutionOptions,
    ExecutionReport,
    Executor,
    ExecutorHooks,
    ExecutorMetrics,
    InMemoryLedger,
    LedgerHook,
    Outcome,
)
from cad.testing import FakeOcm, FakePagerDuty

from .conftest import INCIDENT, ContextFactory


class BrokenObserver(ExecutorHooks):
    """A metrics or logging hook with a bug: every observation raises."""

    def execution_started(
        self, ctx: ExecutionContext, options: ExecutionOptions, actions: Sequence[Action]
    ) -> None:
        raise RuntimeError("broken at start")

    def attempt_started(self, ctx: ExecutionContext, action: Action, attempt: int) -> None:
        raise ValueError("broken attempt counter")

    def action_finished(self, event: ActionFinished) -> None:
        raise KeyError("broken label")

    def execution_finished(
        self, ctx: ExecutionContext, options: ExecutionOptions, report: ExecutionReport
    ) -> None:
        raise RuntimeError("broken at the end")


class Recorder(ExecutorHooks):
    """Writes down, in a shared list, which hook saw which observation."""

    def __init__(self, name: str, seen: list[str]) -> None:
        self.name, self.seen = name, seen

    def execution_started(
        self, ctx: ExecutionContext, options: ExecutionOptions, actions: Sequence[Action]
    ) -> None:
        self.seen.append(f"{self.name}:started")

    def action_finished(self, event: ActionFinished) -> None:
        self.seen.append(f"{self.name}:{event.record.type}:{event.record.outcome.value}")

    def execution_finished(
        self, ctx: ExecutionContext, options: ExecutionOptions, report: ExecutionReport
    ) -> None:
        self.seen.append(f"{self.name}:finished")


def test_a_raising_observer_hook_does_not_stop_the_note_or_the_escalation(
    context: ContextFactory, pagerduty: FakePagerDuty, ocm: FakeOcm
) -> None:
    # Given an executor whose metrics hook raises at every observation
    metrics = ExecutorMetrics(CollectorRegistry())
    ledger = InMemoryLedger()
    executor = Executor(hooks=[LedgerHook(ledger), BrokenObserver()], metrics=metrics)
    # When a service log, a note and an escalation are executed
    with executor:
        report = executor.execute(
            [service_log("Major", "Summary"), note("Looked."), escalate("an SRE must look")],
            context(),
        )
    # Then every action was applied: the PagerDuty phase ran in spite of the broken hook
    assert report.outcomes() == [
        ("service_log", Outcome.SUCCEEDED),
        ("pagerduty_note", Outcome.SUCCEEDED),
        ("escalate_incident", Outcome.SUCCEEDED),
    ]
    incident = pagerduty.incidents[INCIDENT.id]
    assert incident.notes
    assert incident.notes[0].startswith("Looked.")
    assert incident.escalation_level == 2
    assert sum(len(logs) for logs in ocm.service_logs.values()) == 1
    # And the ledger, which is no observer, recorded the three effects
    assert len(ledger) == 3

    # And each broken observation was counted
    def failures(method: str) -> float:
        labels = {"hook": "BrokenObserver", "method": method}
        return metrics.registry.get_sample_value("cad_executor_hook_failures_total", labels) or 0

    assert failures("execution_started") == 1
    assert failures("attempt_started") == 3
    assert failures("action_finished") == 3
    assert failures("execution_finished") == 1


def test_after_hooks_run_in_reverse_order_and_see_one_event(context: ContextFactory) -> None:
    # Given two observers, outer then inner
    seen: list[str] = []
    executor = Executor(hooks=[Recorder("outer", seen), Recorder("inner", seen)])
    # When one note is executed
    with executor:
        executor.execute([note("Looked.")], context())
    # Then "before" observations run outer first, "after" ones inner first
    assert seen == [
        "outer:started",
        "inner:started",
        "inner:pagerduty_note:succeeded",
        "outer:pagerduty_note:succeeded",
        "inner:finished",
        "outer:finished",
    ]
