"""Planning: how the modes and safety rules turn an investigation's actions into steps.

Pure functions over a list of :class:`Step`; the engine runs what stays pending.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from cad.actions.base import Action, Lane
from cad.actions.notes import Amendment
from cad.actions.pagerduty import EscalateIncident, PagerDutyNote
from cad.documentation import find_documentation_mismatch
from cad.domain import InfraStatus, Stage
from cad.executor.budget import WriteBudget
from cad.executor.context import ExecutionContext, ExecutionOptions
from cad.executor.report import ActionRecord, Outcome

__all__ = [
    "INFRA_DETECTED_NOTE",
    "INFRA_UNKNOWN_NOTE",
    "Amendments",
    "Step",
    "after_phase_one",
    "join_labels",
    "plan",
    "withhold_silence_after_failure",
]

INFRA_DETECTED_NOTE = (
    "Infra cluster detected: the following action(s) were not executed and replaced with "
    "escalation: {kinds}. Please investigate and take appropriate action manually."
)
INFRA_UNKNOWN_NOTE = (
    "Unable to determine cluster infrastructure status (OCM API error). Erring on the side "
    "of caution, the following action(s) were not executed and replaced with escalation: "
    "{kinds}. Please investigate and take appropriate action manually."
)


@dataclass
class Step:
    """One action on its way through the executor."""

    action: Action
    index: int | None
    origin: str = "investigation"
    outcome: Outcome | None = None
    reason: str | None = None
    error: str | None = None
    attempts: int = 0
    duration_s: float = 0.0
    key: str = ""
    preview: str | None = None
    carries_amendments: bool = False
    record: ActionRecord | None = None
    facts: dict[str, str] = field(default_factory=dict)
    ledger_problem: str | None = None
    """Why the ledger could not check or record this step (it went ahead regardless)."""

    @property
    def pending(self) -> bool:
        """Not yet decided: the engine will run it."""
        return self.outcome is None

    @property
    def lane(self) -> Lane:
        """The action's lane."""
        return self.action.lane

    def settle(self, outcome: Outcome, reason: str | None = None) -> None:
        """Decide the step's outcome without running it."""
        self.outcome = outcome
        self.reason = reason


class Amendments:
    """The executor's own lines for the note, collected from several threads."""

    def __init__(self) -> None:
        self._items: list[Amendment] = []
        self._lock = threading.Lock()

    def add(
        self, kind: str, message: str, *, unless_contains: str = "", essential: bool = True
    ) -> None:
        """Add a line; ``essential`` lines make the executor add a note if none exists."""
        with self._lock:
            self._items.append(Amendment(kind, message, unless_contains, essential))

    def append(self, amendment: Amendment) -> None:
        """Add a prepared line."""
        with self._lock:
            self._items.append(amendment)

    def snapshot(self) -> list[Amendment]:
        """The lines so far."""
        with self._lock:
            return list(self._items)

    def has_essential(self) -> bool:
        """Whether any line must reach the incident."""
        with self._lock:
            return any(item.essential for item in self._items)


def join_labels(labels: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (each label once, first-seen order)."""
    unique = list(dict.fromkeys(labels))
    if len(unique) <= 1:
        return "".join(unique)
    return f"{', '.join(unique[:-1])} and {unique[-1]}"


def plan(
    actions: list[Action],
    ctx: ExecutionContext,
    options: ExecutionOptions,
    amend: Amendments,
    budget: WriteBudget | None = None,
) -> list[Step]:
    """Steps for the actions after the infrastructure guard, the informing stage, the fleet
    budget and the manual mode have had their say."""
    steps = [Step(action, index) for index, action in enumerate(actions)]
    _guard_documentation(steps, ctx, amend)
    _guard_infrastructure(steps, ctx, amend)
    _withhold_for_informing(steps, options, amend)
    if budget is not None and not options.dry_run:
        _guard_budget(steps, budget, amend)
    if options.manual:
        _drop_pagerduty(steps)
    return steps


def after_phase_one(
    steps: list[Step], ctx: ExecutionContext, options: ExecutionOptions, amend: Amendments
) -> None:
    """Between the phases: never silence after a failed remediation, carry reasons into the
    note, and make sure a note exists when something must reach the incident."""
    withhold_silence_after_failure(steps, amend)
    for step in steps:
        line = step.action.reason_line() if step.pending else None
        if line is not None:
            amend.append(line)
    if options.manual:
        _drop_pagerduty(steps)
    _designate_note(steps, ctx, options, amend)


def _guard_documentation(steps: list[Step], ctx: ExecutionContext, amend: Amendments) -> None:
    product = ctx.cluster.product if ctx.cluster is not None else ""
    mismatched = False
    for step in steps:
        message = step.action.customer_message() if step.pending else None
        if message is None:
            continue
        mismatch = find_documentation_mismatch(product, *message)
        if mismatch is not None:
            step.settle(Outcome.REPLACED, f"links to {mismatch.linked_product} documentation")
            amend.add("warning", mismatch.escalation_message())
            mismatched = True
    if mismatched:
        _leave_with_human(
            steps,
            "a customer message was withheld for an SRE to send",
            "Documentation link mismatch: an SRE must send the message",
        )


def _guard_infrastructure(steps: list[Step], ctx: ExecutionContext, amend: Amendments) -> None:
    if ctx.infra is InfraStatus.NO:
        return
    why = (
        "infrastructure cluster"
        if ctx.infra is InfraStatus.YES
        else "infrastructure status unknown (fail closed)"
    )
    withheld = _withhold(steps, why)
    if not withheld:
        return
    text = INFRA_DETECTED_NOTE if ctx.infra is InfraStatus.YES else INFRA_UNKNOWN_NOTE
    amend.add("warning", text.format(kinds=join_labels([s.action.label for s in withheld])))
    _ensure_escalation(steps, "Infra cluster: actions intercepted")


def _withhold_for_informing(
    steps: list[Step], options: ExecutionOptions, amend: Amendments
) -> None:
    if options.stage is not Stage.INFORMING:
        return
    withheld = _withhold(steps, "informing stage: not executed")
    for step in withheld:
        amend.add(
            "automation", f"Informing stage, not executed: would have done {step.action.describe()}"
        )
    if withheld:
        _ensure_escalation(steps, "Informing stage: an SRE decides what to do")


def _guard_budget(steps: list[Step], budget: WriteBudget, amend: Amendments) -> None:
    refused = False
    limits = budget.limits.per_type()
    for step in steps:
        kind = step.action.action_type
        limit = limits.get(kind)
        if not step.pending or limit is None:
            continue
        try:
            granted = budget.take(kind)
            why = f"fleet budget of {limit} {kind} per hour reached"
        except Exception as exc:  # any budget failure must fail closed
            granted = False
            why = f"fleet budget unavailable ({type(exc).__name__}), failing closed"
        if granted:
            continue
        step.settle(Outcome.REPLACED, why)
        amend.add("warning", f"Fleet safety valve: {why}; would have done {step.action.describe()}")
        refused = True
    if refused:
        _leave_with_human(
            steps,
            "a customer-facing write was withheld by the budget",
            "Fleet budget reached: an SRE decides what to do",
        )


def _leave_with_human(steps: list[Step], why_not_silenced: str, escalation: str) -> None:
    """Something was withheld that a human must finish: never silence, escalate."""
    for step in steps:
        if step.pending and step.action.closes_incident:
            step.settle(Outcome.REPLACED, why_not_silenced)
    _ensure_escalation(steps, escalation)


def _withhold(steps: list[Step], why: str) -> list[Step]:
    withheld = [s for s in steps if s.pending and s.action.restricted]
    for step in withheld:
        step.settle(Outcome.REPLACED, why)
    return withheld


def _drop_pagerduty(steps: list[Step]) -> None:
    for step in steps:
        if step.pending and step.lane is Lane.PAGERDUTY:
            step.settle(Outcome.DROPPED, "manual run: there is no incident")


def _ensure_escalation(steps: list[Step], reason: str, at: int | None = None) -> None:
    if any(s.pending and s.action.hands_to_human for s in steps):
        return
    step = Step(EscalateIncident(reason=reason), None, origin="executor")
    steps.insert(len(steps) if at is None else at, step)


def withhold_silence_after_failure(steps: list[Step], amend: Amendments) -> None:
    """Never silence after a failure: if any action of the run failed so far (a remediation
    in phase one, or a note in phase two), every pending silence is replaced by an
    escalation right after it, and the note (if one is still to be written) says why.

    Called between the phases and again before each step of phase two, so a silence
    happens only if every action before it succeeded, the note that explains it included.
    """
    failed = [s for s in steps if s.outcome is Outcome.FAILED]
    if not failed:
        return
    what = "; ".join(f"{s.action.describe()} failed: {s.error}" for s in failed)
    remediation = all(s.lane is not Lane.PAGERDUTY for s in failed)
    why = "a remediation failed" if remediation else "an earlier action failed"
    for step in list(steps):
        if step.pending and step.action.closes_incident:
            step.settle(Outcome.REPLACED, f"not silenced because {why}: {what}")
            amend.add("warning", f"Not silencing the incident because {what}. Escalating instead.")
            _ensure_escalation(
                steps,
                "A remediation failed; an SRE must finish it"
                if remediation
                else "CAD could not complete its actions on the incident; an SRE must look",
                at=steps.index(step) + 1,
            )


def _designate_note(
    steps: list[Step], ctx: ExecutionContext, options: ExecutionOptions, amend: Amendments
) -> None:
    notes = [s for s in steps if s.pending and s.action.carries_note]
    if notes:
        notes[0].carries_amendments = True
        return
    if not amend.has_essential():
        return
    note = PagerDutyNote(notes=ctx.notes) if ctx.notes is not None else PagerDutyNote()
    step = Step(note, None, origin="executor", carries_amendments=True)
    if options.manual:
        step.settle(Outcome.DROPPED, "manual run: there is no incident")
    handover = [
        i
        for i, s in enumerate(steps)
        if s.pending and (s.action.closes_incident or s.action.hands_to_human)
    ]
    steps.insert(handover[0] if handover else len(steps), step)
