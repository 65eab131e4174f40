"""``cadctl demo``: run scenarios against the embedded simulators and check them."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cad.actions.base import action_class
from cad.cli.render import render_outcome
from cad.scenarios.model import Scenario, ScenarioError, load_library, load_scenarios
from cad.scenarios.runner import ScenarioResult, run_scenario
from cad.simulators.sandbox import Sandbox

__all__ = ["run_demo"]


def _select(names: list[str], directory: Path | None) -> list[Scenario]:
    scenarios = load_scenarios(directory) if directory else load_library()
    if not names:
        return scenarios
    by_name = {s.name: s for s in scenarios}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ScenarioError(
            [f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(sorted(by_name))}"]
        )
    return [by_name[n] for n in names]


_MARK = {
    "succeeded": "✓",
    "failed": "✗",
    "skipped": "=",
    "dry_run": "?",
    "dropped": "-",
    "replaced": "→",
}


def _actions(result: ScenarioResult) -> str:
    parts = []
    for entry in result.actions:
        kind, outcome = entry.split(":", 1)
        parts.append(f"{_short(kind)}{_MARK.get(outcome, outcome)}")
    return " ".join(parts) or "-"


def _short(action_type: str) -> str:
    cls = action_class(action_type)
    return cls.short_label if cls is not None else action_type


def _pagerduty(result: ScenarioResult) -> str:
    pd = result.pagerduty
    if not pd:
        return "-"
    title = (
        "prefixed" if str(pd.get("title", "")).startswith("[CAD Investigated]") else "title kept"
    )
    return f"{pd['policy']} L{pd['level']} {pd['notes']} note(s) {title}"


def _table(results: list[ScenarioResult]) -> Table:
    table = Table(title="CAD scenarios", title_justify="left", expand=True)
    table.add_column("scenario", overflow="fold")
    table.add_column("chain", overflow="fold")
    table.add_column("actions", overflow="fold")
    table.add_column("PagerDuty", overflow="fold")
    table.add_column("verdict", no_wrap=True)
    for r in results:
        chain = " ".join(step.replace(":ran", "").replace(":", " ") for step in r.chain) or "-"
        actions = _actions(r)
        verdict = "[green]pass[/]" if r.passed else "[bold red]FAIL[/]"
        table.add_row(r.name, chain, actions, _pagerduty(r), f"{verdict} {r.duration_s:.1f}s")
    return table


def run_demo(
    names: list[str], directory: Path | None, *, as_json: bool, verbose: bool, console: Console
) -> int:
    """Run the scenarios; print the results; return the exit code (0 only if all passed)."""
    try:
        scenarios = _select(names, directory)
    except ScenarioError as error:
        for problem in error.problems:
            console.print(f"[bold red]error:[/] {problem}", highlight=False)
        return 2
    results: list[ScenarioResult] = []
    with Sandbox() as sandbox:
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json,
        )
        with progress:
            task = progress.add_task("starting", total=len(scenarios))
            for scenario in scenarios:
                progress.update(task, description=scenario.name)
                results.append(run_scenario(scenario, sandbox))
                progress.advance(task)
    if as_json:
        for result in results:
            console.print_json(result.model_dump_json())
    else:
        _report(results, verbose, console)
    return 0 if all(r.passed for r in results) else 1


def _report(results: list[ScenarioResult], verbose: bool, console: Console) -> None:
    console.print(_table(results))
    for result in results:
        if verbose:
            console.rule(result.name)
            for outcome in result.outcomes:
                render_outcome(outcome, console)
        if result.passed:
            continue
        console.print(f"[bold red]{result.name}[/] failed:")
        if result.error:
            console.print(f"  {result.error}", highlight=False)
        for check in result.failed_checks:
            console.print(
                f"  {check['check']}: expected {check['expected']}; got {check['actual']}",
                highlight=False,
            )
    console.print("actions: ✓ succeeded  = skipped  ✗ failed  ? dry run  - dropped  → replaced")
    passed = sum(r.passed for r in results)
    console.print(f"{passed} passed, {len(results) - passed} failed")
