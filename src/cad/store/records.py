"""What the store records about a finished run, as the store defines it.

The controller's ``RunOutcome`` has this shape; the store depends on the shape, never on the
controller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cad.executor.report import ActionRecord
from cad.store.runners import Runner

__all__ = ["FinishedRun", "FinishedStep", "KeptPayload", "RunRequest"]


class FinishedStep(Protocol):
    """One investigation of a finished run's chain."""

    @property
    def investigation(self) -> str: ...

    @property
    def outcome(self) -> str: ...

    @property
    def reason(self) -> str: ...


class FinishedRun(Protocol):
    """A finished run: its status, what it was about, its chain, errors and actions."""

    @property
    def run_status(self) -> str: ...

    @property
    def incident(self) -> dict[str, str] | None: ...

    @property
    def cluster(self) -> dict[str, str] | None: ...

    @property
    def alert(self) -> str | None: ...

    @property
    def chain(self) -> Sequence[FinishedStep]: ...

    @property
    def errors(self) -> Sequence[str]: ...

    def model_dump_json(self) -> str:
        """The whole account as JSON, stored as the run's report."""
        ...

    def all_actions(self) -> Sequence[ActionRecord]:
        """Every action of the run, in order."""
        ...


@dataclass(frozen=True, kw_only=True)
class RunRequest:
    """Who asked for a run and why. ``trigger``: ``webhook`` (PagerDuty asked; no reason),
    ``investigate`` or ``run`` (an operator's ``cadctl`` command), ``rerun`` (``cadctl
    rerun`` or the receiver's re-run endpoint). ``repeat_effects``: the run applies again
    effects the ledger says were applied before. ``runner``: the process of an operator's
    run (``cadctl`` running it here), so that the run is marked ``interrupted`` once that
    process is gone; ``None`` for the service's runs."""

    trigger: str
    reason: str | None = None
    requested_by: str | None = None
    repeat_effects: bool = False
    runner: Runner | None = None


@dataclass(frozen=True, kw_only=True)
class KeptPayload:
    """The webhook payload an operator's ``cadctl investigate`` ran on, kept as a finished
    delivery of its incident so that ``cadctl rerun`` can run it again. ``event_id``: the
    payload's event id (``None``: it has none), which de-duplicates it as a webhook's;
    ``payload``: its JSON text."""

    incident_id: str
    event_id: str | None
    event_type: str
    payload: str
