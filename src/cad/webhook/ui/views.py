"""What the UI's pages show, built from the store's records: the filters of the runs list,
read from the query string, and a run's timeline, read from its account.

A finished run's account (its ``report``) holds the chain, each step's reason, and every
action with its outcome, attempts, error, content and, for notes, the text as written. A run
without one (still running, crashed, interrupted) shows what the history and the ledger hold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cad.clients.pagerduty.payload import InvalidPayloadError, decode_payload, parse_payload
from cad.store.search import RunDetail, RunFilter
from cad.webhook.validation import BadDeliveryError, check_text

__all__ = [
    "OUTCOMES",
    "ActionView",
    "RunView",
    "StepView",
    "parse_filter",
    "run_view",
    "utc",
]

OUTCOMES = (
    "running",
    "succeeded",
    "unhandled",
    "filtered",
    "failed",
    "invalid",
    "deferred",
    "interrupted",
)
"""A run's statuses, as the history records them."""

FILTER_FIELDS = ("cluster", "organization", "alert", "investigation", "outcome", "since", "until")
_LONGEST_FILTER = 300


def utc(moment: datetime | None) -> str:
    """``moment`` in UTC to the second (SQLite's times carry no zone: they are UTC)."""
    if moment is None:
        return ""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%d %H:%M:%S UTC")


def _moment(name: str, value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadDeliveryError(f"the {name} time {value!r} is not YYYY-MM-DDTHH:MM") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_filter(query: Mapping[str, str]) -> tuple[RunFilter, dict[str, str]]:
    """The filter a runs list's query string asks for, and the fields as given (to fill the
    form again). Times without a zone are UTC. :class:`BadDeliveryError` names a field
    CAD cannot search for."""
    given = {name: query.get(name, "").strip() for name in FILTER_FIELDS}
    for name, value in given.items():
        check_text(f"{name} filter", value, _LONGEST_FILTER)
    if given["outcome"] and given["outcome"] not in OUTCOMES:
        raise BadDeliveryError(f"no outcome {given['outcome']!r}: one of {', '.join(OUTCOMES)}")
    where = RunFilter(
        cluster=given["cluster"],
        organization=given["organization"],
        alert=given["alert"],
        investigation=given["investigation"],
        outcome=given["outcome"],
        since=_moment("since", given["since"]),
        until=_moment("until", given["until"]),
    )
    return where, given


@dataclass(frozen=True, kw_only=True)
class ActionView:
    """One action as the run page shows it. ``written`` is a note's text as posted (or as
    it would have been); ``content`` the action's fields as JSON."""

    type: str
    description: str
    outcome: str
    attempts: int
    duration_s: float
    error: str | None = None
    reason: str | None = None
    content: str = ""
    written: str | None = None
    origin: str = ""


@dataclass(frozen=True, kw_only=True)
class StepView:
    """One investigation of the chain, its reason and its actions."""

    investigation: str
    stage: str
    outcome: str
    reason: str
    attempts: int
    actions: tuple[ActionView, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RunView:
    """A run's page: what it was about, its timeline, and whether its account was kept."""

    id: int
    status: str
    started: str
    finished: str
    duration: str
    incident_id: str
    incident_title: str
    incident_url: str | None
    cluster: dict[str, str]
    alert: str
    mode: str
    dry_run: bool
    errors: tuple[str, ...]
    steps: tuple[StepView, ...]
    controller_actions: tuple[ActionView, ...]
    reported: bool
    delivery_id: int | None
    requested: dict[str, str] = field(default_factory=dict)


def _pretty(content: Any) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False, sort_keys=True)


def _action(record: Mapping[str, Any]) -> ActionView:
    content = record.get("content")
    return ActionView(
        type=str(record.get("type", "")),
        description=str(record.get("description", "")),
        outcome=str(record.get("outcome", "")),
        attempts=int(record.get("attempts") or 0),
        duration_s=float(record.get("duration_s") or 0.0),
        error=record.get("error") or None,
        reason=record.get("reason") or None,
        content=_pretty(content) if content else "",
        written=record.get("preview") or None,
        origin=str(record.get("origin", "")),
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _records(items: Any) -> list[Mapping[str, Any]]:
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def incident_url(payload: str | None) -> str | None:
    """The incident's page in PagerDuty, from the delivery that started the run: only an
    ``https`` address (a page never links elsewhere)."""
    if not payload:
        return None
    try:
        url = parse_payload(decode_payload(payload)).html_url
    except InvalidPayloadError:
        return None
    return url if url.startswith("https://") else None


def _duration(started: datetime, finished: datetime | None) -> str:
    if finished is None:
        return ""
    if (started.tzinfo is None) != (finished.tzinfo is None):
        started, finished = started.replace(tzinfo=None), finished.replace(tzinfo=None)
    seconds = max(finished - started, timedelta(0)).total_seconds()
    return f"{seconds:.1f} s"


def _requested(detail: RunDetail) -> dict[str, str]:
    """What started the run, who asked and why, when the history keeps it."""
    found = {}
    for label, name in (
        ("trigger", "trigger"),
        ("requested by", "requested_by"),
        ("reason", "reason"),
    ):
        value = getattr(detail.record, name, None)
        if isinstance(value, str) and value:
            found[label] = value
    return found


def run_view(detail: RunDetail) -> RunView:
    """The run page of ``detail``."""
    record, report = detail.record, detail.report or {}
    incident = _mapping(report.get("incident"))
    cluster = _mapping(report.get("cluster"))
    if detail.report is not None:
        steps = tuple(
            StepView(
                investigation=str(step.get("investigation", "")),
                stage=str(step.get("stage", "")),
                outcome=str(step.get("outcome", "")),
                reason=str(step.get("reason", "")),
                attempts=int(step.get("attempts") or 0),
                actions=tuple(_action(a) for a in _records(step.get("actions"))),
            )
            for step in _records(report.get("chain"))
        )
        extra = tuple(_action(a) for a in _records(report.get("extra_actions")))
        errors = tuple(str(e) for e in report.get("errors") or ())
    else:
        steps = tuple(
            StepView(
                investigation=s.investigation,
                stage="",
                outcome=s.outcome,
                reason=s.reason,
                attempts=0,
            )
            for s in record.chain
        )
        extra = tuple(
            ActionView(
                type=e.type,
                description=e.description,
                outcome="succeeded",
                attempts=0,
                duration_s=0.0,
                content=_pretty(e.content),
                written=None,
                origin="ledger",
            )
            for e in detail.effects
        )
        errors = (record.error,) if record.error else ()
    return RunView(
        id=record.id,
        status=record.status,
        started=utc(record.started_at),
        finished=utc(record.finished_at),
        duration=_duration(record.started_at, record.finished_at),
        incident_id=record.incident_id or str(incident.get("id", "")),
        incident_title=str(incident.get("title", "")),
        incident_url=incident_url(detail.payload),
        cluster={k: str(v) for k, v in cluster.items() if v}
        or ({"id": record.cluster_id} if record.cluster_id else {}),
        alert=record.alert or "",
        mode=str(report.get("mode", "")),
        dry_run=bool(report.get("dry_run", False)),
        errors=errors,
        steps=steps,
        controller_actions=extra,
        reported=detail.report is not None,
        delivery_id=record.delivery_id,
        requested=_requested(detail),
    )
