"""Rendering an execution report for people (rich)."""

from __future__ import annotations

from rich.table import Table

from cad.executor.report import ExecutionReport, Outcome

__all__ = ["report_table"]

_STYLE = {
    Outcome.SUCCEEDED: "green",
    Outcome.SKIPPED: "cyan",
    Outcome.FAILED: "bold red",
    Outcome.DRY_RUN: "yellow",
    Outcome.DROPPED: "dim",
    Outcome.REPLACED: "magenta",
}


def report_table(report: ExecutionReport) -> Table:
    """A compact table: one row per action with outcome, attempts, time and why."""
    table = Table(
        title=f"{report.investigation}: {report.status} ({', '.join(report.modes)})",
        title_justify="left",
    )
    for column in ("#", "action", "outcome", "tries", "time", "detail"):
        table.add_column(column, overflow="fold")
    for record in report.records:
        index = "+" if record.index is None else str(record.index)
        detail = record.error or record.reason or ""
        table.add_row(
            index,
            record.description,
            f"[{_STYLE[record.outcome]}]{record.outcome.value}[/]",
            str(record.attempts),
            f"{record.duration_s * 1000:.0f} ms",
            detail,
        )
    return table
