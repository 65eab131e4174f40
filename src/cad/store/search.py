"""Finding runs in the history: the filters of the web UI's runs list, a page at a time, and
one run with everything its page shows.

A run's cluster is found by its internal id (a column) or by the external id or name its
account recorded (the ``report``'s ``cluster`` object); its investigations by its chain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ColumnElement, cast, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from cad.store.history import RunRecord
from cad.store.models import DeliveryRow, LedgerRow, RunRow

if TYPE_CHECKING:
    from cad.store.db import Store

__all__ = ["AppliedEffect", "RunDetail", "RunFilter", "RunPage", "RunSearch"]


@dataclass(frozen=True, kw_only=True)
class RunFilter:
    """Which runs to list; an empty field matches every run.

    ``cluster`` is a cluster's internal id, external id or name (exact); ``organization``
    the OCM organization id of the cluster (exact; runs recorded before CAD kept it have
    none); ``alert`` a part of
    the alert's name (any case); ``investigation`` one the chain ran (exact); ``outcome`` the
    run's status; ``since`` and ``until`` bound when it started (inclusive, exclusive)."""

    cluster: str = ""
    organization: str = ""
    alert: str = ""
    investigation: str = ""
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class RunPage:
    """One page of runs, newest first, and whether another follows."""

    runs: tuple[RunRecord, ...]
    number: int
    size: int
    has_next: bool


@dataclass(frozen=True, kw_only=True)
class AppliedEffect:
    """An effect the ledger recorded for a run: what was written, as the writer sent it."""

    type: str
    description: str
    content: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True, kw_only=True)
class RunDetail:
    """A run with its whole account (``report``: the JSON ``cadctl investigate --json``
    prints, ``None`` until the run has finished), the webhook delivery that started it
    (``payload``, raw), and the effects the ledger recorded for it."""

    record: RunRecord
    report: dict[str, Any] | None
    payload: str | None
    effects: tuple[AppliedEffect, ...]


def _like(text: str) -> str:
    """``text`` as a literal part of a LIKE pattern (escape character ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class RunSearch:
    """Queries of the run history for people reading it (the web UI)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _cluster_field(self, name: str) -> ColumnElement[str]:
        # The report is text: SQLite's JSON functions read it as it is, PostgreSQL casts it.
        report: ColumnElement[Any] = (
            type_coerce(RunRow.report, JSON) if self.store.is_sqlite else cast(RunRow.report, JSONB)
        )
        field: ColumnElement[str] = report["cluster"][name].as_string()
        return field

    def _conditions(self, where: RunFilter) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if where.cluster:
            conditions.append(
                or_(
                    RunRow.cluster_id == where.cluster,
                    self._cluster_field("external_id") == where.cluster,
                    self._cluster_field("name") == where.cluster,
                )
            )
        if where.organization:
            conditions.append(RunRow.organization_id == where.organization)
        if where.alert:
            pattern = f"%{_like(where.alert.lower())}%"
            conditions.append(func.lower(RunRow.alert).like(pattern, escape="\\"))
        if where.investigation:
            step = json.dumps({"investigation": where.investigation})[1:-1]
            conditions.append(RunRow.chain.like(f"%{_like(step)}%", escape="\\"))
        if where.outcome:
            conditions.append(RunRow.status == where.outcome)
        if where.since is not None:
            conditions.append(RunRow.started_at >= where.since)
        if where.until is not None:
            conditions.append(RunRow.started_at < where.until)
        return conditions

    def page(self, where: RunFilter, *, number: int = 1, size: int = 50) -> RunPage:
        """Page ``number`` (from 1) of the runs ``where`` selects, ``size`` to a page."""
        number, size = max(1, number), max(1, size)
        query = (
            select(RunRow.id)
            .where(*self._conditions(where))
            .order_by(RunRow.id.desc())
            .offset((number - 1) * size)
            .limit(size + 1)
        )
        with self.store.session() as session:
            ids = list(session.scalars(query))
        found = (self.store.history.run(run_id) for run_id in ids[:size])
        runs = tuple(run for run in found if run is not None)
        return RunPage(runs=runs, number=number, size=size, has_next=len(ids) > size)

    def detail(self, run_id: int) -> RunDetail | None:
        """Run ``run_id`` with its account, its delivery and its effects; ``None`` if none."""
        record = self.store.history.run(run_id)
        if record is None:
            return None
        with self.store.session() as session:
            row = session.get(RunRow, run_id)
            report = row.report if row is not None else None
            delivery = session.get(DeliveryRow, record.delivery_id) if record.delivery_id else None
            effects = tuple(
                AppliedEffect(
                    type=e.type,
                    description=e.description,
                    content=_object(e.content),
                    recorded_at=e.recorded_at,
                )
                for e in session.scalars(
                    select(LedgerRow).where(LedgerRow.run_id == run_id).order_by(LedgerRow.id)
                )
            )
            return RunDetail(
                record=record,
                report=_object(report) if report else None,
                payload=delivery.payload if delivery is not None else None,
                effects=effects,
            )


def _object(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except ValueError:
        return {"unreadable": text}
    return found if isinstance(found, dict) else {"value": found}
