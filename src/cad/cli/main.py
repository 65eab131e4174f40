"""Entry point of ``cadctl``: the command tree. Each command lives in ``cad.cli.commands``;
their imports stay inside them so that ``--help`` answers fast. The options every command
shares are the root callback's (``cad.cli.options``)."""

from __future__ import annotations

import typer
import typer.main
from typer.core import TyperGroup

from cad.cli.commands import (
    catalog,
    config,
    db,
    history,
    rerun,
    run,
    sandbox,
    serve,
    status,
    worker,
)
from cad.cli.options import LogLevel, Version, offer_everywhere

app = typer.Typer(
    name="cadctl",
    help="Configuration Anomaly Detection: investigate alerts of managed OpenShift clusters.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Work with investigation config files.", no_args_is_help=True)
app.add_typer(config_app, name="config")
db_app = typer.Typer(help="Manage CAD's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
sandbox_app = typer.Typer(
    help="Drive a server started with 'serve --sandbox'.", no_args_is_help=True
)
app.add_typer(sandbox_app, name="sandbox")


@app.callback()
def root(log_level: LogLevel = "", show_version: Version = False) -> None:
    """Configuration Anomaly Detection."""


app.command()(run.investigate)
app.command()(run.run)
app.command("investigations")(catalog.list_investigations)
config_app.command("validate")(config.validate_config)
app.command()(sandbox.demo)
app.command()(serve.serve)
app.command()(worker.worker)
db_app.command("upgrade")(db.db_upgrade)
app.command()(history.history)
app.command()(rerun.rerun)
app.command()(status.status)
sandbox_app.command("trigger")(sandbox.sandbox_trigger)
app.command("actions")(catalog.list_actions)


def command() -> TyperGroup:
    """``cadctl`` as a click command: the tree of ``app``, every command offered the root's
    shared options."""
    tree = typer.main.get_command(app)
    if not isinstance(tree, TyperGroup):
        raise TypeError(f"cadctl's root is a {type(tree).__name__}, not a group")
    offer_everywhere(tree)
    return tree


def main() -> None:
    """Run cadctl."""
    command()()
