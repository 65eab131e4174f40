"""Actions on the PagerDuty incident: note, silence, escalate, title."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, PlainSerializer

from cad.actions.base import Action, ActionTarget, Lane
from cad.actions.notes import Amendment, NoteWriter

__all__ = ["EscalateIncident", "PagerDutyNote", "SilenceIncident", "TitleUpdate"]


def _writer_from_json(value: object) -> object:
    if isinstance(value, dict):
        return NoteWriter.from_dict(value)
    return value


SerializableNoteWriter = Annotated[
    NoteWriter,
    BeforeValidator(_writer_from_json),
    PlainSerializer(lambda writer: writer.to_dict(), return_type=dict),
]


class PagerDutyNote(Action):
    """Write a note on the incident.

    Either fixed ``content`` or a :class:`NoteWriter` (``notes``) rendered when the note is
    executed, so it holds what the executor did before it. The executor appends its own
    lines (reasons, failures, skips) to the first note of a batch.
    """

    model_config = Action.model_config | {"arbitrary_types_allowed": True}

    type: Literal["pagerduty_note"] = "pagerduty_note"
    content: str = ""
    notes: SerializableNoteWriter | None = None

    lane: ClassVar[Lane] = Lane.PAGERDUTY
    label: ClassVar[str] = "Note"
    carries_note: ClassVar[bool] = True

    def problems(self) -> list[str]:
        if self.notes is None and not self.content.strip():
            return ["note content is empty"]
        return []

    def base_text(self) -> str:
        """The note's own text, before the executor's lines."""
        return self.notes.render() if self.notes is not None else self.content

    def render(self, amendments: list[Amendment]) -> str:
        """The full note: its own text, then the executor's lines."""
        text = self.base_text()
        extra = "".join(
            a.text()
            for a in amendments
            if not (a.unless_contains and a.unless_contains in text)
            and a.text().strip() not in text
        )
        if not extra:
            return text
        if not text.strip():
            return extra.rstrip("\n")
        return (text.rstrip("\n") + "\n" + extra).rstrip("\n")

    def describe(self) -> str:
        first = self.base_text().strip().splitlines()
        head = first[0] if first else ""
        if self.notes is not None:
            head = f"{self.notes.name} notes, {len(self.notes.lines)} line(s)"
        return f"note '{head[:80]}'"

    def identity(self) -> dict[str, Any]:
        return {"content": self.base_text()}

    def preview(self, target: ActionTarget) -> str:
        return self.render(target.note_amendments())

    def probe(self, target: ActionTarget) -> str | None:
        # Notes are probed only when reconciling (a retry, or a re-execution after a crash):
        # PagerDuty has no idempotency keys, and the failed or interrupted attempt may have
        # posted this note without knowing it.
        if not target.reconcile:
            return None
        own = self.base_text().strip()
        for existing in target.require_pagerduty().list_notes(target.require_incident().id):
            if existing.strip().startswith(own):
                return "this note is already on the incident (an interrupted attempt wrote it)"
        return None

    def apply(self, target: ActionTarget) -> str | None:
        incident = target.require_incident()
        target.require_pagerduty().add_note(incident.id, self.render(target.note_amendments()))
        return None


class SilenceIncident(Action):
    """Move the incident to the silent escalation policy: CAD handled it.

    A no-op when the incident already sits on the silent policy or is resolved. The
    executor never silences after a failed remediation; it escalates instead.
    """

    type: Literal["silence_incident"] = "silence_incident"
    reason: str = ""

    lane: ClassVar[Lane] = Lane.PAGERDUTY
    label: ClassVar[str] = "Silence"
    restricted: ClassVar[bool] = True
    closes_incident: ClassVar[bool] = True

    def describe(self) -> str:
        return f"silence incident ({self.reason or 'no reason given'})"

    def reason_line(self) -> Amendment | None:
        if not self.reason.strip():
            return None
        return Amendment("automation", f"Silencing incident: {self.reason}", self.reason)

    def probe(self, target: ActionTarget) -> str | None:
        pagerduty = target.require_pagerduty()
        state = pagerduty.get_incident(target.require_incident().id)
        if state.status == "resolved":
            return "the incident is already resolved"
        if state.escalation_policy_id == pagerduty.silent_policy_id:
            return "the incident already sits on the silent policy"
        return None

    def apply(self, target: ActionTarget) -> str | None:
        target.require_pagerduty().silence(target.require_incident().id)
        return None


class EscalateIncident(Action):
    """Escalate the incident to a human SRE. A no-op on a resolved incident."""

    type: Literal["escalate_incident"] = "escalate_incident"
    reason: str = ""

    lane: ClassVar[Lane] = Lane.PAGERDUTY
    label: ClassVar[str] = "Escalation"
    hands_to_human: ClassVar[bool] = True

    def describe(self) -> str:
        return f"escalate incident ({self.reason or 'no reason given'})"

    def reason_line(self) -> Amendment | None:
        if not self.reason.strip():
            return None
        return Amendment("automation", f"Escalating to SRE: {self.reason}", self.reason)

    def probe(self, target: ActionTarget) -> str | None:
        state = target.require_pagerduty().get_incident(target.require_incident().id)
        if state.status == "resolved":
            return "the incident is already resolved"
        return None

    def apply(self, target: ActionTarget) -> str | None:
        target.require_pagerduty().escalate(target.require_incident().id)
        return None


class TitleUpdate(Action):
    """Prefix the incident's title (``[CAD Investigated]``), once."""

    type: Literal["pagerduty_title_update"] = "pagerduty_title_update"
    prefix: str

    lane: ClassVar[Lane] = Lane.PAGERDUTY
    label: ClassVar[str] = "Title update"

    def problems(self) -> list[str]:
        return [] if self.prefix.strip() else ["title prefix is empty"]

    def describe(self) -> str:
        return f"prefix incident title with '{self.prefix}'"

    def probe(self, target: ActionTarget) -> str | None:
        state = target.require_pagerduty().get_incident(target.require_incident().id)
        if self.prefix in state.title:
            return f"the title already carries '{self.prefix}'"
        return None

    def apply(self, target: ActionTarget) -> str | None:
        pagerduty = target.require_pagerduty()
        incident = target.require_incident()
        current = pagerduty.get_incident(incident.id).title
        pagerduty.update_title(incident.id, f"{self.prefix} {current}")
        return None
