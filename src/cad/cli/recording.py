"""Operators' runs (``cadctl run``, ``investigate``, ``rerun``): why they run, who asks, and,
when a store is configured, their record in the history with the store's ledger and budget.

A run that may write says why (``--reason``) or writes nothing (``--dry-run``); without
either it is refused before anything is read or written. A dry run keeps nothing anywhere,
the store included. ``investigate`` keeps its payload as a finished delivery of its run, so
``cadctl rerun`` can run the incident again. A recorded run names its process (host, pid:
:mod:`cad.store.runners`); the runs of this host whose process is gone are marked
``interrupted`` before a new one starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cad.cli.common import _fail, _reason, _store_name

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from cad.config.settings import Settings
    from cad.controller.outcome import RunOutcome
    from cad.executor.budget import WriteBudget
    from cad.executor.ledger import IdempotencyLedger
    from cad.store import Store
    from cad.store.records import KeptPayload, RunRequest

MAX_REASON = 1000
"""The longest reason kept (characters)."""


def run_request(
    settings: Settings,
    command: str,
    *,
    reason: str | None,
    requested_by: str | None,
    dry_run: bool = False,
    trigger: str | None = None,
) -> RunRequest | None:
    """Why and by whom ``command`` runs (``None`` for a dry run, which keeps nothing); exit
    2, nothing done, when a run that may write gives no reason, or a bad one."""
    from cad.store.records import RunRequest

    if dry_run:
        return None
    why = (reason or "").strip()
    if not why:
        raise _fail(
            f"cadctl {command} may write to customers and incidents: say why with "
            "--reason TEXT (kept in the run history), or use --dry-run; nothing was done"
        )
    who = (requested_by or "").strip() or settings.requester()
    for name, value, limit in (("--reason", why, MAX_REASON), ("--requested-by", who, 200)):
        if len(value) > limit:
            raise _fail(f"{name} is {len(value)} characters long, at most {limit}")
        if any(ord(c) < 32 and c not in "\t\n" for c in value):
            raise _fail(f"{name} holds a control character")
    return RunRequest(trigger=trigger or command, reason=why, requested_by=who)


def open_store(settings: Settings) -> Store:
    """The configured store, migrated when ``CAD_MIGRATE`` allows it; exit 1 naming the
    store (password masked) when it cannot be used."""
    from sqlalchemy.exc import SQLAlchemyError

    from cad.store import Store, migrated, upgrade
    from cad.store.db import StoreUnavailableError
    from cad.store.engine import StoreTimeouts

    timeouts = StoreTimeouts.of(settings)
    try:
        if settings.migrate:
            upgrade(settings.store_url(), timeouts)
        store = Store(settings.store_url(), timeouts)
    except (StoreUnavailableError, SQLAlchemyError) as error:
        raise _fail(f"cannot use {_store_name(settings)}: {_reason(error)}", 1) from None
    try:
        if not migrated(store):
            raise _fail(
                f"the database at {_store_name(settings)} has no CAD schema yet: "
                "run `cadctl db upgrade`",
                1,
            )
    except (StoreUnavailableError, SQLAlchemyError) as error:
        store.close()
        raise _fail(f"cannot use {_store_name(settings)}: {_reason(error)}", 1) from None
    return store


@dataclass
class Recorder:
    """The store an operator's run is recorded in (``None``: no store configured, or a
    dry run), with its ledger and budget for the controller."""

    store: Store | None
    request: RunRequest | None
    ledger: IdempotencyLedger | None = None
    budget: WriteBudget | None = None

    def run(
        self,
        incident_id: str | None,
        call: Callable[[int | None], RunOutcome],
        kept: KeptPayload | None = None,
    ) -> RunOutcome:
        """``call(run_id)``, recorded in the history when there is a store: started before,
        finished with the outcome after (a crash is recorded as ``failed``, then raised).
        ``kept``: the payload the run is on, kept as a finished delivery of the run so that
        ``cadctl rerun`` can run its incident again (once per event id)."""
        if self.store is None:
            return call(None)
        from dataclasses import replace

        from cad.store import current_run
        from cad.store.runners import this_process

        # Runs of this host whose cadctl was killed end here, before this one starts.
        self.store.history.interrupt_gone_runners()
        request = replace(self.request, runner=this_process()) if self.request else None
        run_id = self.store.history.start(
            delivery_id=None, incident_id=incident_id, request=request
        )
        token = current_run.set(run_id)
        try:
            if kept is not None:
                self.store.deliveries.keep(kept, run_id=run_id)
            outcome = call(run_id)
        except BaseException as error:
            self.store.history.fail(run_id, f"{type(error).__name__}: {error}")
            raise
        finally:
            current_run.reset(token)
        self.store.history.finish(run_id, outcome)
        return outcome


@contextmanager
def recorder(
    settings: Settings, request: RunRequest | None, registry: CollectorRegistry
) -> Iterator[Recorder]:
    """A :class:`Recorder` for a run that may write (``request``) when a store is
    configured; an empty one otherwise. The store is closed at the end."""
    if request is None or not settings.store_configured():
        yield Recorder(None, request)
        return
    from cad.service import fleet_budget
    from cad.store import DurableLedger

    store = open_store(settings)
    try:
        yield Recorder(
            store, request, DurableLedger(store), fleet_budget(settings, store, registry)
        )
    finally:
        store.close()
