"""A worker of the job queue (PostgreSQL, procrastinate): ``cadctl worker``, on any number of
machines, or inside ``cadctl serve``.

Each job is one incident. The worker claims the incident's oldest unfinished delivery
(coalescing the others), runs it through the controller with the durable ledger, and
records the run. Runs that failed before the incident reached a human, and store outages,
are retried with exponential backoff. Every worker also looks, every few seconds, for jobs
whose worker stopped sending heartbeats (killed, partitioned, out of memory) and puts them
back in the queue; the ledger (and, on a re-execution, the note probe) keeps their effects
from being applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta

import procrastinate
import structlog
from procrastinate.job_context import JobContext

from cad.controller.controller import Controller
from cad.errors import CADError
from cad.metrics import ServiceMetrics
from cad.store.db import ClaimedDelivery, Store, StoreUnavailableError
from cad.worker.queue import QUEUE, TASK, conninfo
from cad.worker.runs import run_delivery

__all__ = ["QueueOptions", "QueueWorker", "RetryableRunError"]

log = structlog.get_logger("cad.worker")


class RetryableRunError(CADError):
    """The run failed in a way another attempt may fix (the queue retries it)."""


@dataclass(frozen=True)
class QueueOptions:
    """How a queue worker runs: ``concurrency`` jobs at a time, heartbeats every
    ``heartbeat_s``, a worker silent for ``stalled_after_s`` is taken for dead, failed runs
    are retried ``max_retries`` times after ``retry_wait_s ** n`` seconds."""

    concurrency: int = 4
    heartbeat_s: float = 10.0
    stalled_after_s: float = 60.0
    recovery_every_s: float = 15.0
    max_retries: int = 4
    retry_wait_s: int = 3
    lease: timedelta = timedelta(minutes=15)
    shutdown_grace_s: float = 120.0


class QueueWorker:
    """Runs incidents' jobs from the queue at ``url`` through ``controller``."""

    def __init__(
        self,
        store: Store,
        controller: Controller,
        *,
        metrics: ServiceMetrics,
        options: QueueOptions,
        dry_run: bool = False,
    ) -> None:
        self.store = store
        self.controller = controller
        self.metrics = metrics
        self.options = options
        self.dry_run = dry_run
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.processed = 0
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(
                conninfo=conninfo(store.url), min_size=1, max_size=options.concurrency + 4
            )
        )
        self.app.task(
            name=TASK,
            queue=QUEUE,
            pass_context=True,
            retry=procrastinate.RetryStrategy(
                max_attempts=options.max_retries,
                exponential_wait=options.retry_wait_s,
                retry_exceptions={RetryableRunError, StoreUnavailableError},
            ),
        )(self._job)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None
        self._ready = threading.Event()

    # --- the job ---------------------------------------------------------------------------

    def _job(self, context: JobContext, incident_id: str) -> None:
        # One delivery at a time; a re-run (never coalesced) waiting behind it runs next.
        while True:
            claimed = self.store.deliveries.claim_incident(
                incident_id, self.name, self.options.lease
            )
            if claimed is None:  # its deliveries were run by an earlier job of the incident
                return
            self._run(context, incident_id, claimed)

    def _run(self, context: JobContext, incident_id: str, claimed: ClaimedDelivery) -> None:
        job = context.job
        last_attempt = job.attempts >= self.options.max_retries
        result = run_delivery(
            self.store,
            self.controller,
            self.metrics,
            claimed,
            dry_run=self.dry_run,
            defer_transient=not last_attempt,
        )
        with self._lock:
            self.processed += 1
        if result.retry_reason is None:
            self.store.deliveries.finish(claimed.id, run_id=result.run_id, error=result.error)
            return
        if not last_attempt:
            self.store.deliveries.requeue(claimed.id, result.retry_reason)
            self.metrics.retries.inc()
            log.warning(
                "run will be retried",
                incident=incident_id,
                attempt=job.attempts + 1,
                reason=result.retry_reason,
            )
        else:
            self.store.deliveries.finish(
                claimed.id, run_id=result.run_id, error=result.retry_reason
            )
        raise RetryableRunError(result.retry_reason)

    # --- stalled jobs ----------------------------------------------------------------------

    async def recover_stalled(self) -> int:
        """Put the jobs of workers silent for ``stalled_after_s`` back in the queue; returns
        how many. Several workers may race for one job: the loser's retry is refused."""
        stalled = await self.app.job_manager.get_stalled_jobs(
            queue=QUEUE, seconds_since_heartbeat=self.options.stalled_after_s
        )
        recovered = 0
        for job in stalled:
            try:
                await self.app.job_manager.retry_job(job)
            except procrastinate.exceptions.ConnectorException:
                continue  # another worker took it up first
            recovered += 1
            self.metrics.recovered.inc()
            log.warning(
                "job of a stalled worker taken up again",
                job=job.id,
                incident=job.task_kwargs.get("incident_id"),
                stalled_worker=job.worker_id,
            )
        return recovered

    async def _recover_forever(self) -> None:
        while True:
            try:
                await self.recover_stalled()
            except Exception as error:  # the database may be away: try again next round
                log.error("could not look for stalled jobs", error=str(error))
            await asyncio.sleep(self.options.recovery_every_s)

    # --- running ---------------------------------------------------------------------------

    async def run_async(self, *, install_signal_handlers: bool = True) -> None:
        """Run until cancelled or signalled (SIGINT/SIGTERM: finish running jobs, then stop)."""
        async with self.app.open_async():
            recovery = asyncio.create_task(self._recover_forever())
            self._ready.set()
            try:
                await self.app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=self.options.concurrency,
                    name=self.name,
                    update_heartbeat_interval=self.options.heartbeat_s,
                    stalled_worker_timeout=self.options.stalled_after_s,
                    shutdown_graceful_timeout=self.options.shutdown_grace_s,
                    install_signal_handlers=install_signal_handlers,
                    delete_jobs="successful",
                )
            finally:
                recovery.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await recovery

    def start(self) -> QueueWorker:
        """Run in a background thread (inside ``cadctl serve``)."""

        failure: list[BaseException] = []

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._main = loop.create_task(self.run_async(install_signal_handlers=False))
            try:
                loop.run_until_complete(self._main)
            except asyncio.CancelledError:
                pass
            except Exception as error:  # e.g. the database went away: say so, do not hang
                failure.append(error)
                log.error("queue worker stopped", error=f"{type(error).__name__}: {error}")
                self._ready.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=main, name="cad-queue-worker", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=30) or failure:
            cause = failure[0] if failure else TimeoutError("no answer in 30 s")
            raise StoreUnavailableError(
                f"the queue worker could not start: {type(cause).__name__}"
            ) from cause
        return self

    def wake(self) -> None:
        """Nothing to do: PostgreSQL notifies the workers of new jobs."""

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop taking jobs; wait for running ones (up to ``timeout_s``)."""
        if self._loop is not None and self._main is not None and not self._main.done():
            self._loop.call_soon_threadsafe(self._main.cancel)
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
