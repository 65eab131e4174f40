"""Entry point of ``cadctl``: the command tree. Each command lives in ``cad.cli.commands``;
their imports stay inside them so that ``--help`` answers fast."""

from __future__ import annotations

import typer

from cad.cli.commands import catalog, config, db, history, run, sandbox, serve, status, worker
from cad.cli.options import Version

app = typer.Typer(
    name="cadctl",
    help="Configuration Anomaly Detection: investigate alerts of managed OpenShift clusters.",
    no_args_is_help=True,
    add_completion=False,
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
def root(show_version: Version = False) -> None:
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
app.command()(status.status)
sandbox_app.command("trigger")(sandbox.sandbox_trigger)
app.command("actions")(catalog.list_actions)


def main() -> None:
    """Run cadctl."""
    app()
