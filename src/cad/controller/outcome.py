"""What a run did, as one record: printed for people, serialised for pipelines (``--json``).

The JSON schema is stable (``schema_version``); ``docs/cli.md`` documents every field.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal

from pydantic import BaseModel, Field

from cad.executor.report import ActionRecord

__all__ = ["ChainStep", "ExitCode", "RunOutcome"]


class ExitCode(IntEnum):
    """``cadctl``'s exit codes."""

    OK = 0  # the run completed (handled, unhandled and escalated, filtered, stopped)
    FAILED = 1  # CAD failed (an investigation, an action, an early step); escalated when it could
    INVALID_INPUT = 2  # bad arguments, payload, config or settings: nothing was done


class ChainStep(BaseModel):
    """One investigation of the chain."""

    investigation: str
    stage: str
    outcome: Literal["ran", "filtered", "stopped", "failed", "skipped"]
    reason: str = ""
    attempts: int = 0
    actions: list[ActionRecord] = Field(default_factory=list)


class RunOutcome(BaseModel):
    """The account of one run."""

    schema_version: Literal[1] = 1
    mode: Literal["pagerduty", "manual"]
    dry_run: bool
    reconcile: bool = False
    repeat_effects: bool = False  # a re-run that applies again what the ledger holds
    defer_transient: bool = Field(default=False, exclude=True)
    run_id: int | None = Field(default=None, exclude=True)  # in CAD's history, when recorded
    deferred: bool = False  # failed on a transient error, nobody told: to be tried again
    status: Literal["succeeded", "unhandled", "filtered", "failed", "invalid"]
    exit_code: int
    incident: dict[str, str] | None = None
    cluster: dict[str, str] | None = None
    alert: str | None = None
    chain: list[ChainStep] = Field(default_factory=list)
    extra_actions: list[ActionRecord] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)

    @property
    def run_status(self) -> str:
        """The status the history records: ``status``, or ``deferred`` when a transient
        failure was left to a later attempt (nobody was told; the queue retries it)."""
        return "deferred" if self.deferred else self.status

    def summary(self) -> dict[str, object]:
        """The run in a few fields, for its log line: incident, cluster, alert, status, each
        step's outcome and each action's (``investigation/type``: outcome), and errors."""
        actions = [
            {"investigation": step.investigation, "type": a.type, "outcome": a.outcome.value}
            for step in self.chain
            for a in step.actions
        ] + [
            {"investigation": "controller", "type": a.type, "outcome": a.outcome.value}
            for a in self.extra_actions
        ]
        return {
            "incident": (self.incident or {}).get("id"),
            "cluster": (self.cluster or {}).get("id"),
            "alert": self.alert,
            "status": self.run_status,
            "dry_run": self.dry_run,
            "chain": [{"investigation": s.investigation, "outcome": s.outcome} for s in self.chain],
            "actions": actions,
            "errors": list(self.errors),
        }

    def all_actions(self) -> list[ActionRecord]:
        """Every action of the run, in order (chain, then the controller's own)."""
        return [a for step in self.chain for a in step.actions] + list(self.extra_actions)
