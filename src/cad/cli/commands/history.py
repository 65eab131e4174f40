"""``cadctl history``: what CAD did and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cad.cli.common import _fail, _reason, _settings, _store_name
from cad.cli.options import Json

if TYPE_CHECKING:
    from cad.store import RunRecord


def history(
    ctx: typer.Context,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Only runs of this cluster (id, external id or name)."),
    ] = None,
    incident: Annotated[
        str | None, typer.Option("--incident", help="Only runs of this incident.")
    ] = None,
    organization: Annotated[
        str | None,
        typer.Option("--organization", help="Only runs of clusters of this OCM organization id."),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many runs.")] = 20,
    as_json: Json = False,
) -> None:
    """What CAD did and why, newest first."""
    import json

    from sqlalchemy.exc import SQLAlchemyError

    from cad.store import Store, migrated
    from cad.store.db import StoreUnavailableError
    from cad.store.engine import StoreTimeouts

    settings = _settings(ctx)
    store = Store(settings.store_url(), StoreTimeouts.of(settings))
    try:
        if not migrated(store):
            raise _fail(
                f"the database at {_store_name(settings)} has no CAD schema yet: "
                "run `cadctl db upgrade`",
                1,
            )
        store.history.interrupt_gone_runners()  # runs of killed cadctl processes of this host
        runs = store.history.runs(
            cluster=cluster, incident=incident, organization=organization, limit=limit
        )
    except (StoreUnavailableError, SQLAlchemyError) as error:
        raise _fail(f"cannot read {_store_name(settings)}: {_reason(error)}", 1) from None
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps({"runs": [run.to_json() for run in runs]}, indent=2))
        return
    if not runs:
        typer.echo("no runs")
    for run in runs:
        print_run(run)


def print_run(run: RunRecord) -> None:
    """One run of the history, for people: when (UTC), what, who asked and why, what it did
    (an action's error, or why it was skipped or replaced)."""
    chain = ", ".join(f"{s.investigation}:{s.outcome}" for s in run.chain) or "-"
    cluster = run.cluster_name or run.cluster_id
    organization = f" (organization {run.organization_id})" if run.organization_id else ""
    typer.echo(
        f"#{run.id} {run.started_at.isoformat()} incident {run.incident_id} "
        f"cluster {cluster}{organization} {run.status}"
    )
    if run.trigger and run.trigger != "webhook":
        repeat = ", effects repeated" if run.repeat_effects else ""
        typer.echo(f"   {run.trigger} by {run.requested_by or '-'}{repeat}: {run.reason or '-'}")
    typer.echo(f"   alert: {run.alert or '-'}; chain: {chain}")
    for action in run.actions:
        why = action.error or (action.reason if action.outcome != "succeeded" else None)
        detail = f" ({why})" if why else ""
        typer.echo(f"   - {action.description}: {action.outcome}{detail}")
    if run.error:
        typer.echo(f"   {'why' if run.status == 'cancelled' else 'error'}: {run.error}")
