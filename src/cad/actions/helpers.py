"""Helpers with the original's meaning, in Python style: what investigations write."""

from __future__ import annotations

from datetime import UTC, datetime

from cad.actions.backplane import BackplaneReport
from cad.actions.base import Action
from cad.actions.notes import NoteWriter
from cad.actions.ocm import LimitedSupport, ServiceLog
from cad.actions.pagerduty import EscalateIncident, PagerDutyNote, SilenceIncident, TitleUpdate

__all__ = [
    "TITLE_PREFIX",
    "escalate",
    "limited_support",
    "note",
    "note_and_report_from",
    "note_from",
    "service_log",
    "silence",
    "title_prefix",
]

TITLE_PREFIX = "[CAD Investigated]"


def service_log(
    severity: str,
    summary: str,
    description: str = "",
    *,
    service_name: str = "SREManualAction",
    internal_only: bool = False,
    reason: str = "",
) -> ServiceLog:
    """A customer-visible service log (``SREManualAction``), duplicates skipped."""
    return ServiceLog(
        severity=severity,
        summary=summary,
        description=description,
        service_name=service_name,
        internal_only=internal_only,
        reason=reason,
    )


def limited_support(summary: str, details: str, context: str = "") -> LimitedSupport:
    """A limited-support reason; ``context`` labels the metric."""
    return LimitedSupport(summary=summary, details=details, context=context)


def note(text: str) -> PagerDutyNote:
    """A note with fixed text."""
    return PagerDutyNote(content=text)


def note_from(notes: NoteWriter) -> PagerDutyNote:
    """A note rendered from ``notes`` when it executes (it sees what phase 1 did)."""
    return PagerDutyNote(notes=notes)


def silence(reason: str) -> SilenceIncident:
    """Silence the incident; the reason reaches the note."""
    return SilenceIncident(reason=reason)


def escalate(reason: str) -> EscalateIncident:
    """Escalate the incident to a human; the reason reaches the note."""
    return EscalateIncident(reason=reason)


def title_prefix(prefix: str = TITLE_PREFIX) -> TitleUpdate:
    """Prefix the incident title once."""
    return TitleUpdate(prefix=prefix)


def note_and_report_from(
    notes: NoteWriter, cluster_id: str, summary: str, *, now: datetime | None = None
) -> list[Action]:
    """A cluster report holding the notes as they are now, and a note rendered later.

    As the original: the report snapshots the notes when the actions are built; the note
    is rendered when it executes, after the report and any service log or limited support,
    so it also carries their lines (report command, "Sent SL", "Sent LS").
    """
    created = now or datetime.now(UTC)
    return [
        BackplaneReport(
            cluster_id=cluster_id, summary=summary, data=notes.render(), created_at=created
        ),
        note_from(notes),
    ]
