"""``cadctl status``: the queue, the workers and the budget."""

from __future__ import annotations

import typer

from cad.cli.common import _fail, _settings
from cad.cli.options import Json


def status(ctx: typer.Context, as_json: Json = False) -> None:
    """The queue and the workers: queued, running and stalled deliveries per worker, failures,
    runs by status, and the fleet budget used this hour."""
    import json

    from cad.store import Store
    from cad.store.db import StoreUnavailableError
    from cad.store.engine import StoreTimeouts
    from cad.worker.status import fleet_status

    settings = _settings(ctx)
    store = Store(settings.store_url(), StoreTimeouts.of(settings))
    try:
        report = fleet_status(store, settings)
    except StoreUnavailableError as error:
        raise _fail(f"{error} (has `cadctl db upgrade` been run?)", 1) from None
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    typer.echo(
        f"queue ({report['engine']}): {report['queue_depth']} queued, "
        f"{report['running']} running, {report['stalled']} stalled, {report['failed']} failed"
    )
    for worker, counts in sorted(report["workers"].items()):
        age = counts.get("heartbeat_age_s")
        heartbeat = f" (heartbeat {age:.0f} s ago)" if age is not None else ""
        typer.echo(
            f"  worker {worker}{heartbeat}: {counts['running']} running, "
            f"{counts['stalled']} stalled"
        )
    runs = ", ".join(f"{n} {status}" for status, n in sorted(report["runs"].items())) or "none"
    typer.echo(f"runs: {runs}")
    for kind, used in report["budget"].items():
        typer.echo(f"budget this hour: {kind} {used['used']}/{used['limit']}")
