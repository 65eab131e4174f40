"""Logging hook: one structured line per action outcome, with context bound."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from cad.actions.base import Action
from cad.executor.context import ExecutionContext, ExecutionOptions
from cad.executor.hooks import ActionFinished, ExecutorHooks
from cad.executor.report import ExecutionReport, Outcome

__all__ = ["LoggingHook"]


class LoggingHook(ExecutorHooks):
    """Logs the plan, each outcome and the final status."""

    def __init__(self) -> None:
        self.log = structlog.get_logger("cad.executor")

    def execution_started(
        self, ctx: ExecutionContext, options: ExecutionOptions, actions: Sequence[Action]
    ) -> None:
        self.log.info("executing actions", count=len(actions), modes=options.modes())

    def action_finished(self, event: ActionFinished) -> None:
        record = event.record
        # incident, cluster and investigation are bound as context variables by the engine
        details = {
            "action": record.type,
            "outcome": record.outcome.value,
            "description": record.description,
            "attempts": record.attempts,
        }
        if record.outcome is Outcome.FAILED:
            self.log.error("action failed", error=record.error, **details)
        elif record.error:  # applied, but the ledger could not check or record it
            self.log.warning("action finished", warning=record.error, **details)
        elif record.outcome is Outcome.DRY_RUN:
            self.log.info("DRY RUN: would execute", **details)
        else:
            self.log.info("action finished", reason=record.reason, **details)

    def execution_finished(
        self, ctx: ExecutionContext, options: ExecutionOptions, report: ExecutionReport
    ) -> None:
        self.log.info(
            "execution finished", status=report.status, duration_s=round(report.duration_s, 3)
        )
