"""Guards the engine runs before a phase: today one, before the PagerDuty phase, that
leaves a resolved incident alone.

An incident resolved while CAD worked on it (a responder fixed it, the alert cleared) needs
no note, silence or escalation any more: before its first PagerDuty write, an execution
reads the incident's state once, and when it is ``resolved`` every PagerDuty action still
pending is skipped with :data:`RESOLVED`. Nothing else is skipped: an incident that is not
resolved, or whose state could not be read, gets its writes as usual (never an unresolved
incident with nobody told), and a failed check says so (a log line, the note's lines, and
the reason of each PagerDuty action's record).
"""

from __future__ import annotations

import structlog

from cad.actions.base import Lane
from cad.executor.context import ExecutionContext, ExecutionOptions
from cad.executor.plan import Amendments, Step
from cad.executor.report import Outcome

__all__ = ["RESOLVED", "STATE_UNKNOWN", "skip_if_resolved"]

RESOLVED = "the incident was resolved"
"""The reason a PagerDuty action is skipped on an incident resolved meanwhile."""
STATE_UNKNOWN = "CAD could not check whether the incident was resolved ({error}); it wrote as usual"
"""What a PagerDuty action's record says when the state check failed."""

log = structlog.get_logger("cad.executor")


def skip_if_resolved(
    steps: list[Step], ctx: ExecutionContext, options: ExecutionOptions, amend: Amendments
) -> list[Step]:
    """Before the PagerDuty phase: when the incident is resolved, settle every pending
    PagerDuty step as skipped (:data:`RESOLVED`) and return them (the engine finishes them);
    otherwise return nothing. Reads the incident once, and only when a write is pending."""
    pending = [s for s in steps if s.pending and s.lane is Lane.PAGERDUTY]
    pagerduty, incident = ctx.clients.pagerduty, ctx.incident
    if not pending or options.dry_run or pagerduty is None or incident is None:
        return []
    try:
        status = pagerduty.get_incident(incident.id).status
    except Exception as error:  # proceed as usual: an unread state is not a resolved one
        what = STATE_UNKNOWN.format(error=f"{type(error).__name__}: {error}")
        log.warning("incident state unknown, writing as usual", error=str(error))
        amend.add("warning", what, essential=False)
        for step in pending:
            step.reason = what
        return []
    if status != "resolved":
        return []
    log.info("incident resolved meanwhile: its PagerDuty writes are skipped")
    for step in pending:
        step.settle(Outcome.SKIPPED, RESOLVED)
    return pending
