"""The run history: each run of the controller, its chain and the actions it reported.

A run is ``running`` until its worker records its end: its outcome's status (``succeeded``,
...), ``failed`` or ``deferred`` (it crashed; ``deferred`` when a later attempt will try again),
or ``interrupted`` (its worker stopped, see :func:`interrupt_runs`). A run ``cancelled`` never
ran: its incident was resolved while its delivery waited (its ``error`` says so). Only a run still
``running`` changes: an end is final.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from cad.store.models import LedgerRow, RunActionRow, RunRow
from cad.store.records import FinishedRun, RunRequest
from cad.store.runners import Runner, is_gone, this_process

if TYPE_CHECKING:
    from cad.store.db import Store

__all__ = ["RunAction", "RunHistory", "RunRecord", "RunStep", "interrupt_runs", "utc"]


@dataclass(frozen=True, kw_only=True)
class RunStep:
    """One investigation of a run's chain."""

    investigation: str
    outcome: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"investigation": self.investigation, "outcome": self.outcome, "reason": self.reason}


@dataclass(frozen=True, kw_only=True)
class RunAction:
    """One action of a run and how it ended (``succeeded``, ``failed``, ``skipped``, ...),
    and why (``reason``: what skipped, replaced or failed it, as the run reported it)."""

    type: str
    description: str
    outcome: str
    attempts: int
    duration_s: float
    error: str | None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "description": self.description,
            "outcome": self.outcome,
            "attempts": self.attempts,
            "duration_s": self.duration_s,
            "error": self.error,
            "reason": self.reason,
        }


@dataclass(frozen=True, kw_only=True)
class RunRecord:
    """A run as the history keeps it. Times are in UTC, with their zone, on both databases.
    ``trigger``, ``reason``, ``requested_by`` and ``repeat_effects``: who asked for the run
    and why (:class:`~cad.store.records.RunRequest`; ``None`` for runs recorded before
    CAD kept them). ``organization_id``: the OCM organization of the cluster, when the run
    could read it. ``runner_host``, ``runner_pid``: the process of an operator's run
    (:mod:`cad.store.runners`)."""

    id: int
    delivery_id: int | None
    incident_id: str | None
    cluster_id: str | None
    alert: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    error: str | None
    chain: tuple[RunStep, ...]
    actions: tuple[RunAction, ...]
    cluster_external_id: str | None = None
    cluster_name: str | None = None
    organization_id: str | None = None
    trigger: str | None = None
    reason: str | None = None
    requested_by: str | None = None
    repeat_effects: bool = False
    runner_host: str | None = None
    runner_pid: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The run as ``GET /runs/{id}`` and ``cadctl history --json`` show it."""
        return {
            "id": self.id,
            "delivery_id": self.delivery_id,
            "incident_id": self.incident_id,
            "cluster_id": self.cluster_id,
            "cluster_external_id": self.cluster_external_id,
            "cluster_name": self.cluster_name,
            "organization_id": self.organization_id,
            "alert": self.alert,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "error": self.error,
            "chain": [step.to_json() for step in self.chain],
            "actions": [action.to_json() for action in self.actions],
            "trigger": self.trigger,
            "reason": self.reason,
            "requested_by": self.requested_by,
            "repeat_effects": self.repeat_effects,
            "runner": (
                {"host": self.runner_host, "pid": self.runner_pid} if self.runner_host else None
            ),
        }


def interrupt_runs(session: Session, *where: Any, reason: str) -> int:
    """In ``session``'s transaction: the runs matching ``where`` that are still ``running``
    become ``interrupted`` with ``reason``; returns how many."""
    result = session.execute(
        update(RunRow)
        .where(RunRow.status == "running", *where)
        .values(status="interrupted", finished_at=datetime.now(UTC), error=reason)
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


class RunHistory:
    """The runs in the store: started, ended, and read back as :class:`RunRecord`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def start(
        self,
        *,
        delivery_id: int | None,
        incident_id: str | None,
        request: RunRequest | None = None,
    ) -> int:
        """Record that a run started (``request``: who asked and why); returns its id."""
        asked = request or RunRequest(trigger="webhook")
        with self.store.session() as session:
            row = RunRow(
                delivery_id=delivery_id,
                incident_id=incident_id,
                status="running",
                started_at=datetime.now(UTC),
                chain="[]",
                trigger=asked.trigger,
                reason=asked.reason,
                requested_by=asked.requested_by,
                repeat_effects=asked.repeat_effects,
                runner_host=asked.runner.host if asked.runner else None,
                runner_pid=asked.runner.pid if asked.runner else None,
                runner_process=asked.runner.process if asked.runner else None,
            )
            session.add(row)
            session.flush()
            return row.id

    def finish(self, run_id: int, outcome: FinishedRun) -> None:
        """Record the run's outcome and every action it reported, in order."""
        with self.store.session() as session:
            row = session.get(RunRow, run_id)
            if row is None or row.status != "running":  # interrupted meanwhile: final
                return
            row.status, row.finished_at = outcome.run_status, datetime.now(UTC)
            cluster = outcome.cluster or {}
            row.cluster_id = cluster.get("id")
            row.cluster_external_id = cluster.get("external_id") or None
            row.cluster_name = cluster.get("name") or None
            row.organization_id = cluster.get("organization_id") or None
            row.alert = outcome.alert
            row.chain = json.dumps(
                [
                    RunStep(
                        investigation=s.investigation, outcome=s.outcome, reason=s.reason
                    ).to_json()
                    for s in outcome.chain
                ]
            )
            row.error = "; ".join(outcome.errors) or None
            row.report = outcome.model_dump_json()
            for position, record in enumerate(outcome.all_actions()):
                session.add(
                    RunActionRow(
                        run_id=run_id,
                        position=position,
                        type=record.type,
                        description=record.description,
                        outcome=record.outcome.value,
                        attempts=record.attempts,
                        duration_s=record.duration_s,
                        error=record.error,
                    )
                )

    def fail(self, run_id: int, error: str, *, status: str = "failed") -> None:
        """Record that a run crashed (``deferred``: a later attempt will try again)."""
        with self.store.session() as session:
            row = session.get(RunRow, run_id)
            if row is not None and row.status == "running":
                row.status, row.finished_at, row.error = status, datetime.now(UTC), error

    def interrupt_gone_runners(self, host: str | None = None) -> int:
        """The operator's runs of ``host`` (this one by default) still ``running`` whose
        process is gone (:func:`~cad.store.runners.is_gone`) become ``interrupted``, the
        reason naming the host and pid; returns how many. Other hosts' runs are left alone."""
        host = host or this_process().host
        with self.store.session() as session:
            running = session.execute(
                select(RunRow.id, RunRow.runner_pid, RunRow.runner_process).where(
                    RunRow.status == "running",
                    RunRow.runner_host == host,
                )
            ).all()
            runners = [
                (run_id, Runner(host=host, pid=pid, process=process))
                for run_id, pid, process in running
                if pid is not None
            ]
            gone = [(run_id, runner) for run_id, runner in runners if is_gone(runner)]
            return sum(
                interrupt_runs(
                    session,
                    RunRow.id == run_id,
                    reason=f"its process is gone ({runner.describe()}): killed, or its "
                    "machine restarted",
                )
                for run_id, runner in gone
            )

    def runs(
        self,
        *,
        cluster: str | None = None,
        incident: str | None = None,
        organization: str | None = None,
        limit: int = 50,
    ) -> list[RunRecord]:
        """Runs, newest first, with their actions; ``cluster`` matches the cluster's
        internal id, external id or name, ``organization`` its OCM organization's id."""
        with self.store.session() as session:
            query = select(RunRow).order_by(RunRow.id.desc()).limit(limit)
            if cluster:
                query = query.where(
                    or_(
                        RunRow.cluster_id == cluster,
                        RunRow.cluster_external_id == cluster,
                        RunRow.cluster_name == cluster,
                    )
                )
            if incident:
                query = query.where(RunRow.incident_id == incident)
            if organization:
                query = query.where(RunRow.organization_id == organization)
            return [_record(session, row) for row in session.scalars(query)]

    def run(self, run_id: int) -> RunRecord | None:
        """One run with its actions."""
        with self.store.session() as session:
            row = session.get(RunRow, run_id)
            return _record(session, row) if row is not None else None

    def counts(self) -> dict[str, int]:
        """Runs by status."""
        with self.store.session() as session:
            return {
                status: int(n)
                for status, n in session.execute(
                    select(RunRow.status, func.count()).group_by(RunRow.status)
                )
            }


def _record(session: Session, row: RunRow) -> RunRecord:
    return RunRecord(
        id=row.id,
        delivery_id=row.delivery_id,
        incident_id=row.incident_id,
        cluster_id=row.cluster_id,
        alert=row.alert,
        status=row.status,
        started_at=utc(row.started_at),
        finished_at=utc(row.finished_at) if row.finished_at is not None else None,
        error=row.error,
        chain=tuple(RunStep(**step) for step in json.loads(row.chain or "[]")),
        actions=_actions(session, row.id, _reasons(row.report)),
        cluster_external_id=row.cluster_external_id,
        cluster_name=row.cluster_name,
        organization_id=row.organization_id,
        trigger=row.trigger,
        reason=row.reason,
        requested_by=row.requested_by,
        repeat_effects=bool(row.repeat_effects),
        runner_host=row.runner_host,
        runner_pid=row.runner_pid,
    )


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC with its zone: SQLite returns the UTC times CAD stored without
    one, PostgreSQL returns them in the session's zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _reasons(report: str | None) -> list[str | None]:
    """Each reported action's reason, in the order of ``run_actions`` (the run's report)."""
    try:
        outcome = json.loads(report or "{}")
        actions = [a for step in outcome.get("chain", []) for a in step.get("actions", [])]
        return [a.get("reason") for a in actions + outcome.get("extra_actions", [])]
    except (ValueError, AttributeError, TypeError):  # an older or odd report: no reasons
        return []


def _actions(session: Session, run_id: int, reasons: list[str | None]) -> tuple[RunAction, ...]:
    """The actions the run reported; for a run that never reported (it crashed or was
    interrupted), the effects the ledger recorded while it ran."""
    reported = session.scalars(
        select(RunActionRow).where(RunActionRow.run_id == run_id).order_by(RunActionRow.position)
    ).all()
    if reported:
        return tuple(
            RunAction(
                type=a.type,
                description=a.description,
                outcome=a.outcome,
                attempts=a.attempts,
                duration_s=a.duration_s,
                error=a.error,
                reason=reasons[a.position] if a.position < len(reasons) else None,
            )
            for a in reported
        )
    applied = session.scalars(
        select(LedgerRow).where(LedgerRow.run_id == run_id).order_by(LedgerRow.id)
    )
    return tuple(
        RunAction(
            type=e.type,
            description=e.description,
            outcome="succeeded",
            attempts=e.attempts,
            duration_s=e.duration_s,
            error=None,
        )
        for e in applied
    )
