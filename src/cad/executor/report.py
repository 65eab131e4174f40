"""The executor's account of what happened to every action."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["ActionRecord", "ExecutionReport", "Outcome"]


class Outcome(StrEnum):
    """What became of an action."""

    SUCCEEDED = "succeeded"  # the effect was applied
    SKIPPED = "skipped"  # the effect already existed (ledger or probe); reason says which
    FAILED = "failed"  # applying failed after the retries the policy allows
    DRY_RUN = "dry_run"  # would have been applied; nothing was written
    DROPPED = "dropped"  # not applicable in this mode (PagerDuty actions in manual runs)
    REPLACED = "replaced"  # withheld by a safety rule and replaced (escalation, note)


class ActionRecord(BaseModel):
    """One action's outcome. ``index`` is its place in the investigation's list; actions
    the executor added itself (notes, escalations) have ``origin="executor"`` and no index."""

    model_config = ConfigDict(frozen=True)

    index: int | None
    origin: Literal["investigation", "executor"]
    type: str
    lane: str
    description: str
    outcome: Outcome
    attempts: int = 0
    duration_s: float = 0.0
    error: str | None = None
    reason: str | None = None
    content: dict[str, Any]
    preview: str | None = None
    facts: dict[str, str] = {}
    """What the action learned while applying (the policy a silence replaced)."""


class ExecutionReport(BaseModel):
    """Every action with its outcome, and the overall status."""

    model_config = ConfigDict(frozen=True)

    investigation: str
    scope: str
    modes: list[str]
    status: Literal["succeeded", "failed"]
    duration_s: float
    records: list[ActionRecord]
    held_back: str | None = None
    """The store outage the PagerDuty phase was held back for (the run is to be tried
    again), or ``None``."""

    @property
    def failures(self) -> list[ActionRecord]:
        """The records of actions that failed."""
        return [r for r in self.records if r.outcome is Outcome.FAILED]

    def outcomes(self) -> list[tuple[str, Outcome]]:
        """``(type, outcome)`` pairs in execution order: handy for tests and summaries."""
        return [(r.type, r.outcome) for r in self.records]

    def to_json(self) -> str:
        """The report as JSON text."""
        return self.model_dump_json()
