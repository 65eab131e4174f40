"""Human output of a run: the chain with outcomes, the notes, the actions (rich)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cad.actions.base import action_class
from cad.actions.pagerduty import NOTE_MARKER_PREFIX
from cad.controller.outcome import RunOutcome
from cad.executor.report import ActionRecord, Outcome

__all__ = ["render_outcome"]

_OUTCOME_STYLE = {
    "ran": "green",
    "stopped": "yellow",
    "filtered": "dim",
    "failed": "bold red",
    "skipped": "dim",
}
_ACTION_STYLE = {
    Outcome.SUCCEEDED: "green",
    Outcome.SKIPPED: "cyan",
    Outcome.FAILED: "bold red",
    Outcome.DRY_RUN: "yellow",
    Outcome.DROPPED: "dim",
    Outcome.REPLACED: "magenta",
}


def _actions_table(records: list[ActionRecord]) -> Table:
    table = Table(box=None, pad_edge=False, show_header=False)
    for column in ("step", "action", "outcome", "detail"):
        table.add_column(column, overflow="fold")
    for record in records:
        detail = record.error or record.reason or ""
        if record.attempts > 1:
            detail = f"{record.attempts} attempts; {detail}".rstrip("; ")
        table.add_row(
            "  ",
            record.description,
            f"[{_ACTION_STYLE[record.outcome]}]{record.outcome.value}[/]",
            detail,
        )
    return table


def render_outcome(outcome: RunOutcome, console: Console) -> None:
    """Print a compact account of the run."""
    head = [
        f"[bold]{outcome.mode}[/] run{' (dry run)' if outcome.dry_run else ''}: {outcome.status}"
    ]
    if outcome.incident:
        head.append(f"incident {outcome.incident.get('id')}: {outcome.incident.get('title', '')}")
    if outcome.cluster:
        infra = outcome.cluster.get("infra", "no")
        suffix = "" if infra == "no" else f" (infrastructure: {infra})"
        head.append(
            f"cluster {outcome.cluster.get('name') or ''} {outcome.cluster.get('id')}{suffix}"
        )
    if outcome.alert:
        head.append(f"alert config: {outcome.alert}")
    console.print("\n".join(head))
    for step in outcome.chain:
        style = _OUTCOME_STYLE[step.outcome]
        reason = f" ({step.reason})" if step.reason else ""
        tries = f", {step.attempts} attempts" if step.attempts > 1 else ""
        console.print(
            f"• [bold]{step.investigation}[/] [{style}]{step.outcome}[/]"
            f"{reason}{tries} [dim]{step.stage}[/]"
        )
        if step.actions:
            console.print(_actions_table(step.actions))
    if outcome.extra_actions:
        console.print("• [bold]controller[/]")
        console.print(_actions_table(outcome.extra_actions))
    # The findings: every note's text, also those a manual run drops (there is no incident).
    notes = [
        Text(_without_marker(a.preview))
        for a in outcome.all_actions()
        if _is_note(a.type) and a.preview
    ]
    if notes:
        console.print(Panel(Group(*notes), title="notes", title_align="left", expand=False))
    for error in outcome.errors:
        console.print(f"[bold red]error:[/] {error}")


def _without_marker(note: str) -> str:
    """The note as people read it: without the marker line that identifies it to CAD."""
    lines = [line for line in note.splitlines() if not line.startswith(NOTE_MARKER_PREFIX)]
    return "\n".join(lines).rstrip()


def _is_note(action_type: str) -> bool:
    cls = action_class(action_type)
    return cls is not None and cls.carries_note
