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

from cad.actions.base import ActionTarget, Lane
from cad.clients.writers import IncidentState, PagerDutyWriter
from cad.executor.context import ExecutionOptions
from cad.executor.plan import Amendments, Step
from cad.executor.report import Outcome

__all__ = ["RESOLVED", "STATE_UNKNOWN", "RememberedIncidents", "remembering", "skip_if_resolved"]

RESOLVED = "the incident was resolved"
"""The reason a PagerDuty action is skipped on an incident resolved meanwhile."""
STATE_UNKNOWN = "CAD could not check whether the incident was resolved ({error}); it wrote as usual"
"""What a PagerDuty action's record says when the state check failed."""

log = structlog.get_logger("cad.executor")


def skip_if_resolved(
    steps: list[Step], target: ActionTarget, options: ExecutionOptions, amend: Amendments
) -> list[Step]:
    """Before the PagerDuty phase: when the incident is resolved, settle every pending
    PagerDuty step as skipped (:data:`RESOLVED`) and return them (the engine finishes them);
    otherwise return nothing. Reads the incident once, and only when a write is pending."""
    pending = [s for s in steps if s.pending and s.lane is Lane.PAGERDUTY]
    pagerduty, incident = target.pagerduty, target.incident
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


class RememberedIncidents:
    """The PagerDuty writer of one execution, remembering what it read of an incident until
    it changes the incident (silence, reassign, escalate, title): the guard's read serves
    the probes of a silence and a title change after it, instead of a read each."""

    def __init__(self, writer: PagerDutyWriter) -> None:
        self._writer = writer
        self._states: dict[str, IncidentState] = {}

    @property
    def silent_policy_id(self) -> str:
        return self._writer.silent_policy_id

    def get_incident(self, incident_id: str) -> IncidentState:
        if incident_id not in self._states:
            self._states[incident_id] = self._writer.get_incident(incident_id)
        return self._states[incident_id]

    def add_note(self, incident_id: str, content: str) -> None:
        self._writer.add_note(incident_id, content)

    def list_notes(self, incident_id: str) -> list[str]:
        return self._writer.list_notes(incident_id)

    def silence(self, incident_id: str) -> None:
        self._states.pop(incident_id, None)
        self._writer.silence(incident_id)

    def reassign(self, incident_id: str, policy_id: str) -> None:
        self._states.pop(incident_id, None)
        self._writer.reassign(incident_id, policy_id)

    def service_escalation_policy(self, incident_id: str) -> str:
        return self._writer.service_escalation_policy(incident_id)

    def escalate(self, incident_id: str) -> None:
        self._states.pop(incident_id, None)
        self._writer.escalate(incident_id)

    def update_title(self, incident_id: str, title: str) -> None:
        self._states.pop(incident_id, None)
        self._writer.update_title(incident_id, title)


def remembering(writer: PagerDutyWriter | None) -> PagerDutyWriter | None:
    """``writer`` for one execution, as :class:`RememberedIncidents` (``None`` stays)."""
    return RememberedIncidents(writer) if writer is not None else None
