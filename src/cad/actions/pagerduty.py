"""Actions on the PagerDuty incident: note, silence, escalate, title, organization routing."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, PlainSerializer

from cad.actions.base import Action, ActionTarget, Lane, TargetUnavailableError
from cad.actions.notes import Amendment, NoteWriter

__all__ = [
    "NOTE_MARKER_PREFIX",
    "ORG_POLICY",
    "POLICY_BEFORE_SILENCE",
    "EscalateIncident",
    "MoveToOrgPolicy",
    "PagerDutyNote",
    "SilenceIncident",
    "TitleUpdate",
    "note_marker",
]

POLICY_BEFORE_SILENCE = "policy_before_silence"
"""The fact a silence records: the escalation policy it moved the incident away from."""


ORG_POLICY = "org_policy"
"""The fact an organization routing records: the policy of the cluster's organization."""

NOTE_MARKER_PREFIX = "— CAD run "


def note_marker(run: str, key: str) -> str:
    """The last line of every note CAD writes: names the run and the action, the same in
    every attempt and re-execution, so a note that landed is recognised and never repeated."""
    return f"{NOTE_MARKER_PREFIX}{run or '-'} · action {key}"


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
    short_label: ClassVar[str] = "note"
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
        return self.written(target)

    def written(self, target: ActionTarget) -> str:
        """The note exactly as it is posted: text, the executor's lines, the marker."""
        return (
            f"{self.render(target.note_amendments())}\n{note_marker(target.run, self.dedupe_key())}"
        )

    def probe(self, target: ActionTarget) -> str | None:
        # Notes are probed only when reconciling (a retry, or a re-execution after a crash):
        # PagerDuty has no idempotency keys, and the failed or interrupted attempt may have
        # posted this note without knowing it. Its marker finds it, whatever lines the
        # executor added to it then.
        if not target.reconcile:
            return None
        marker = note_marker(target.run, self.dedupe_key())
        for existing in target.require_pagerduty().list_notes(target.require_incident().id):
            if marker in existing.splitlines():
                return "this note is already on the incident (an interrupted attempt wrote it)"
        return None

    def apply(self, target: ActionTarget) -> str | None:
        incident = target.require_incident()
        target.require_pagerduty().add_note(incident.id, self.written(target))
        return None


class SilenceIncident(Action):
    """Move the incident to the silent escalation policy: CAD handled it.

    A no-op when the incident already sits on the silent policy or is resolved. Records
    the policy it replaced (``POLICY_BEFORE_SILENCE``) so an escalation can go back to it.
    The executor silences only if every action before it in the run succeeded; otherwise
    it escalates instead.
    """

    type: Literal["silence_incident"] = "silence_incident"
    reason: str = ""

    lane: ClassVar[Lane] = Lane.PAGERDUTY
    label: ClassVar[str] = "Silence"
    short_label: ClassVar[str] = "silence"
    restricted: ClassVar[bool] = True
    closes_incident: ClassVar[bool] = True
    idempotent: ClassVar[bool] = True

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
        pagerduty = target.require_pagerduty()
        incident = target.require_incident()
        before = pagerduty.get_incident(incident.id).escalation_policy_id
        if before != pagerduty.silent_policy_id:
            target.facts[POLICY_BEFORE_SILENCE] = before
        pagerduty.silence(incident.id)
        return None


class EscalateIncident(Action):
    """Escalate the incident to a human SRE. A no-op on a resolved incident.

    An incident on the silent policy (silenced by this run or an earlier one) first goes
    back to a human's policy: its organization's (recorded by :class:`MoveToOrgPolicy`),
    else the policy it had before CAD silenced it (recorded with the silence), else its
    service's policy; then its level is raised.
    """

    type: Literal["escalate_incident"] = "escalate_incident"
    reason: str = ""

    lane: ClassVar[Lane] = Lane.PAGERDUTY
    label: ClassVar[str] = "Escalation"
    short_label: ClassVar[str] = "escalate"
    hands_to_human: ClassVar[bool] = True
    idempotent: ClassVar[bool] = True

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
        pagerduty = target.require_pagerduty()
        incident = target.require_incident()
        line = None
        if pagerduty.get_incident(incident.id).escalation_policy_id == pagerduty.silent_policy_id:
            policy, source = _policy_before_silence(target)
            pagerduty.reassign(incident.id, policy)
            line = f"Moved the incident from the silent policy back to {policy} ({source})"
        pagerduty.escalate(incident.id)
        return line


def _policy_before_silence(target: ActionTarget) -> tuple[str, str]:
    pagerduty = target.require_pagerduty()
    silent = pagerduty.silent_policy_id
    organization = target.recall(MoveToOrgPolicy.type_string(), ORG_POLICY)
    if organization and organization != silent:
        return organization, "its organization's policy"
    recorded = target.recall(SilenceIncident.type_string(), POLICY_BEFORE_SILENCE)
    if recorded and recorded != silent:
        return recorded, "the policy it had before CAD silenced it"
    policy = pagerduty.service_escalation_policy(target.require_incident().id)
    if not policy or policy == silent:
        raise TargetUnavailableError(
            "the incident sits on the silent policy and its service routes to it too: "
            "there is no policy to hand it to"
        )
    return policy, "its service's policy"


class MoveToOrgPolicy(Action):
    """Move the incident to the escalation policy of its cluster's organization
    (``CAD_ORG_POLICY_MAPPING``), before the chain runs.

    Records the policy (``ORG_POLICY``) so that every later hand-over to a human goes to
    it. Skipped on a resolved incident and on one CAD already silenced (moving that would
    page the organization without an escalation note).
    """

    type: Literal["move_to_org_policy"] = "move_to_org_policy"
    organization_id: str
    organization: str = ""
    policy: str

    lane: ClassVar[Lane] = Lane.PAGERDUTY
    label: ClassVar[str] = "Organization routing"
    short_label: ClassVar[str] = "org policy"
    idempotent: ClassVar[bool] = True

    def problems(self) -> list[str]:
        wrong = [name for name in ("organization_id", "policy") if not getattr(self, name).strip()]
        return [f"{name} is empty" for name in wrong]

    def describe(self) -> str:
        who = self.organization or self.organization_id
        return f"move incident to organization {who}'s escalation policy {self.policy}"

    def probe(self, target: ActionTarget) -> str | None:
        pagerduty = target.require_pagerduty()
        state = pagerduty.get_incident(target.require_incident().id)
        if state.status == "resolved":
            return "the incident is already resolved"
        if state.escalation_policy_id == self.policy:
            target.facts[ORG_POLICY] = self.policy
            return "the incident already sits on the organization's policy"
        if state.escalation_policy_id == pagerduty.silent_policy_id:
            return "CAD silenced the incident already"
        return None

    def apply(self, target: ActionTarget) -> str | None:
        target.require_pagerduty().reassign(target.require_incident().id, self.policy)
        target.facts[ORG_POLICY] = self.policy
        return None


class TitleUpdate(Action):
    """Prefix the incident's title (``[CAD Investigated]``), once."""

    type: Literal["pagerduty_title_update"] = "pagerduty_title_update"
    prefix: str

    lane: ClassVar[Lane] = Lane.PAGERDUTY
    label: ClassVar[str] = "Title update"
    short_label: ClassVar[str] = "title"
    idempotent: ClassVar[bool] = True

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
