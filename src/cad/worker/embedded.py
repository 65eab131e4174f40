"""The embedded worker: a bounded pool of threads in the receiver's process.

Each thread claims the oldest queued delivery whose incident nobody else is running (a burst
for one incident is coalesced into one run), runs it through the controller with the durable
ledger, and records the run. A run that failed before the incident reached a human, or met
a store outage, is put back in the queue and retried after ``retry_wait_s ** attempt``
seconds, up to ``max_retries`` times; the last attempt notes and escalates. At start,
deliveries a previous process left unfinished go back to the queue; effects it recorded are
not repeated. :meth:`EmbeddedWorkers.stop` lets runs in flight finish within a grace period
and hands back those that cannot.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import structlog
import tenacity

from cad.controller.controller import Controller
from cad.metrics import ServiceMetrics
from cad.store.db import ClaimedDelivery, Store, StoreUnavailableError
from cad.worker.runs import run_delivery

__all__ = ["EmbeddedWorkers"]

log = structlog.get_logger("cad.worker")


class EmbeddedWorkers:
    """``count`` worker threads sharing one controller."""

    def __init__(
        self,
        store: Store,
        controller: Controller,
        *,
        count: int,
        metrics: ServiceMetrics,
        poll_s: float = 1.0,
        lease: timedelta = timedelta(minutes=15),
        max_retries: int = 4,
        retry_wait_s: float = 3.0,
        dry_run: bool = False,
    ) -> None:
        self.store = store
        self.controller = controller
        self.count = count
        self.metrics = metrics
        self.poll_s = poll_s
        self.lease = lease
        self.max_retries = max_retries
        self.retry_wait_s = retry_wait_s
        self.dry_run = dry_run
        self.name = f"cad-{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.processed = 0
        self.idle_polls = 0  # claims that found nothing to run: each is a look at the queue
        self._lock = threading.Lock()

    def start(self, *, recover: bool = True) -> EmbeddedWorkers:
        """Requeue what a previous process left unfinished, then start the threads."""
        if recover:
            requeued = self.store.deliveries.requeue_unfinished()
            if requeued:
                log.warning("requeued unfinished deliveries", count=requeued)
        for index in range(self.count):
            thread = threading.Thread(
                target=self._loop,
                args=(f"{self.name}-{index}",),
                name=f"cad-worker-{index}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def wake(self) -> None:
        """Tell idle workers a delivery is waiting."""
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop taking deliveries; wait up to ``timeout_s`` for runs in progress to finish,
        then hand back the deliveries of those that did not (the next start runs them)."""
        self._stopping.set()
        self._wake.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in self._threads):
            handed = self.store.deliveries.hand_back(self.name)
            log.warning("runs in flight handed back at shutdown", deliveries=handed)

    def _loop(self, worker: str) -> None:
        while not self._stopping.is_set():
            try:
                claimed = self.store.deliveries.claim(worker, self.lease)
            except StoreUnavailableError as error:
                log.error("store unavailable, waiting", error=str(error))
                claimed = None
            if claimed is None:
                with self._lock:
                    self.idle_polls += 1
                self._wake.wait(self.poll_s)
                self._wake.clear()
                continue
            self._process(claimed)

    def _process(self, claimed: ClaimedDelivery) -> None:
        last_attempt = claimed.attempts > self.max_retries
        try:
            result = run_delivery(
                self.store,
                self.controller,
                self.metrics,
                claimed,
                dry_run=self.dry_run,
                defer_transient=not last_attempt,
            )
        except StoreUnavailableError as error:  # the run could not even be recorded
            unavailable = str(error)
            log.error("store unavailable before the run", error=unavailable)
            self._settle(lambda: self._retry(claimed, unavailable))
        else:
            if result.retry_reason is not None and not last_attempt:
                reason = result.retry_reason
                self._settle(lambda: self._retry(claimed, reason))
            else:
                error_text = result.retry_reason or result.error
                self._settle(
                    lambda: self.store.deliveries.finish(
                        claimed.id, run_id=result.run_id, error=error_text
                    )
                )
        finally:
            with self._lock:
                self.processed += 1

    def _retry(self, claimed: ClaimedDelivery, reason: str) -> None:
        wait_s = self.retry_wait_s**claimed.attempts
        not_before = datetime.now(UTC) + timedelta(seconds=wait_s)
        self.store.deliveries.requeue(claimed.id, reason, not_before=not_before)
        self.metrics.retries.inc()
        log.warning(
            "run will be retried",
            delivery=claimed.id,
            attempt=claimed.attempts + 1,
            in_s=wait_s,
            reason=reason,
        )

    def _settle(self, record: Callable[[], None]) -> None:
        """Record what became of a delivery, retrying while the store is away (until the
        lease runs out: then the next claim takes the delivery again)."""
        try:
            for attempt in tenacity.Retrying(
                retry=tenacity.retry_if_exception_type(StoreUnavailableError),
                wait=tenacity.wait_exponential(multiplier=0.5, max=10.0),
                stop=tenacity.stop_after_delay(self.lease.total_seconds()),
                reraise=True,
            ):
                with attempt:
                    record()
        except StoreUnavailableError as error:
            log.error("store unavailable while recording a run", error=str(error))
