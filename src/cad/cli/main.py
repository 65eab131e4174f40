"""Entry point of ``cadctl``. Imports stay lazy so that ``--help`` answers fast."""

from __future__ import annotations

from importlib.metadata import version

import typer

app = typer.Typer(
    name="cadctl",
    help="Configuration Anomaly Detection: investigate alerts of managed OpenShift clusters.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cadctl {version('cad')}")
        raise typer.Exit()


@app.callback()
def root(
    show_version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Configuration Anomaly Detection."""


@app.command("actions")
def list_actions() -> None:
    """List the action types the executor knows, with their lanes."""
    from cad.actions import ACTION_CLASSES

    for cls in ACTION_CLASSES:
        field = cls.model_fields["type"]
        typer.echo(f"{field.default:<24} lane={cls.lane.value}")


def main() -> None:
    """Run cadctl."""
    app()
