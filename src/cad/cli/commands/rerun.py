"""``cadctl rerun``: run a stored incident again, through the queue, with the ledger, the
fleet budget and the history, saying who asked and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cad.cli.common import _config, _fail, _reason, _require, _settings, _store_name
from cad.cli.options import ConfigFile, Json, Reason, RequestedBy

if TYPE_CHECKING:
    from pathlib import Path

    from cad.config.settings import Settings
    from cad.store import RunRecord, Store
    from cad.store.db import Enqueue
    from cad.store.records import RunRequest

ENDED = ("done", "failed")
"""A delivery's statuses once its run is over."""
SUCCESSFUL = ("succeeded", "unhandled", "filtered")
"""Run statuses ``cadctl rerun`` exits 0 with (as ``cadctl investigate``)."""


def rerun(
    ctx: typer.Context,
    incident: Annotated[str, typer.Argument(help="The PagerDuty incident id to run again.")],
    reason: Reason = None,
    requested_by: RequestedBy = None,
    repeat_effects: Annotated[
        bool,
        typer.Option(
            "--repeat-effects",
            help="Apply again effects the ledger says were applied before (the live "
            "systems' own checks, an active limited support say, still hold).",
        ),
    ] = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait", help="Wait for the run and print it (--no-wait: queue it only)."
        ),
    ] = True,
    timeout: Annotated[
        float, typer.Option(min=1, max=3600, help="How long to wait for the run (seconds).")
    ] = 600,
    config: ConfigFile = None,
    as_json: Json = False,
) -> None:
    """Run a stored incident again through the queue: the ledger skips effects applied
    before (unless --repeat-effects), the fleet budget holds, and the history records the
    run with who asked and why. On SQLite with no server running, it runs here."""
    import json
    from dataclasses import replace

    from cad.cli.recording import run_request
    from cad.store.instance import ServerAlreadyRunningError, ServerLock

    settings = _settings(ctx)
    asked = run_request(
        settings, "rerun", reason=reason, requested_by=requested_by, trigger="rerun"
    )
    assert asked is not None
    request = replace(asked, repeat_effects=repeat_effects)
    lock = None
    if not settings.uses_job_queue() and wait:
        try:  # no server on the SQLite file: nobody else would run it
            lock = ServerLock(settings.store_url()).acquire()
        except ServerAlreadyRunningError:
            lock = None
    try:
        run = _rerun(settings, config, incident, request, lock is not None, wait, timeout)
    finally:
        if lock is not None:
            lock.release()
    if run is None:
        return
    if as_json:
        typer.echo(json.dumps(run.to_json(), indent=2))
    else:
        from cad.cli.commands.history import print_run

        print_run(run)
    raise typer.Exit(0 if run.status in SUCCESSFUL else 1)


def _rerun(
    settings: Settings,
    config: Path | None,
    incident: str,
    request: RunRequest,
    here: bool,
    wait: bool,
    timeout: float,
) -> RunRecord | None:
    """Queue the re-run; run it here (``here``) or wait for a worker; ``None`` when not
    waiting (the queued delivery has been printed)."""
    from cad.cli.recording import open_store
    from cad.store.deliveries import UnknownIncidentError

    store = open_store(settings)
    try:
        store.history.interrupt_gone_runners()  # runs of killed cadctl processes of this host
        if here:
            _require(settings, pagerduty=True)
        enqueue = _enqueue(settings)
        try:
            delivery = _queued(store, incident, request, enqueue)
        except UnknownIncidentError as error:
            raise _fail(str(error)) from None
        if not wait:
            typer.echo(f"re-run of incident {incident} queued: delivery {delivery}")
            return None
        if here:
            _run_here(settings, config, delivery)
        return _wait(store, settings, delivery, incident, timeout)
    finally:
        store.close()


def _enqueue(settings: Settings) -> Enqueue | None:
    if not settings.uses_job_queue():
        return None
    from cad.worker.queue import IncidentQueue

    return IncidentQueue()


def _queued(store: Store, incident: str, request: RunRequest, enqueue: Enqueue | None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from cad.store.db import StoreUnavailableError

    try:
        return store.deliveries.add_rerun(incident, request, enqueue=enqueue)
    except (StoreUnavailableError, SQLAlchemyError) as error:
        raise _fail(f"cannot queue the re-run in {store.name}: {_reason(error)}", 1) from None


def _run_here(settings: Settings, config: Path | None, delivery: int) -> None:
    """On SQLite with no server: claim the re-run's delivery and run it in this process,
    with the store's ledger and budget (one attempt: a failure notes and escalates)."""
    from dataclasses import replace

    from cad.config.investigation_config import InvestigationConfigError
    from cad.service import build_runtime
    from cad.store.runners import this_process
    from cad.worker.runs import run_delivery

    try:
        loaded = _config(config, settings)
    except InvestigationConfigError as error:
        raise _fail(str(error)) from None
    runtime = build_runtime(settings, loaded, migrate=False)
    try:
        claimed = runtime.store.deliveries.claim_delivery(delivery, "cadctl-rerun")
        if claimed is None:
            return
        # A run of this process: marked interrupted from this host if it is killed.
        claimed = replace(claimed, request=replace(claimed.request, runner=this_process()))
        result = run_delivery(runtime.store, runtime.controller, runtime.metrics, claimed)
        failure = result.retry_reason or result.error
        runtime.store.deliveries.finish(claimed.id, run_id=result.run_id, error=failure)
    finally:
        runtime.close()


def _wait(
    store: Store, settings: Settings, delivery: int, incident: str, timeout: float
) -> RunRecord:
    """The re-run's record once its delivery has ended; exit 1 after ``timeout``."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        status, run_id, error = store.deliveries.ended(delivery) or ("gone", None, None)
        found = store.history.run(run_id) if status in ENDED and run_id is not None else None
        if found is not None:
            return found
        if status in ENDED or status == "gone":
            raise _fail(f"the re-run (delivery {delivery}) ended without a run: {error}", 1)
        if time.monotonic() > deadline:
            raise _fail(
                f"the re-run (delivery {delivery}) did not finish within {timeout:g} s; "
                f"follow it with `cadctl history --incident {incident}` "
                f"(store {_store_name(settings)})",
                1,
            )
        time.sleep(0.2)
