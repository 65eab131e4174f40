"""The embedded worker: a bounded pool of threads in the receiver's process.

Each thread claims the oldest queued delivery whose incident nobody else is running (a burst
for one incident is coalesced into one run), runs it through the controller with the durable
ledger, and records the run. At start, deliveries a previous process left unfinished go back
to the queue; effects it recorded are not repeated.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import structlog

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
        dry_run: bool = False,
    ) -> None:
        self.store = store
        self.controller = controller
        self.count = count
        self.metrics = metrics
        self.poll_s = poll_s
        self.lease = lease
        self.dry_run = dry_run
        self.name = f"cad-{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.processed = 0
        self._lock = threading.Lock()

    def start(self, *, recover: bool = True) -> EmbeddedWorkers:
        """Requeue what a previous process left unfinished, then start the threads."""
        if recover:
            requeued = self.store.requeue_unfinished()
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
        """Stop taking deliveries; wait for runs in progress to finish."""
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=timeout_s)

    def _loop(self, worker: str) -> None:
        while not self._stopping.is_set():
            try:
                claimed = self.store.claim(worker, self.lease)
            except StoreUnavailableError as error:
                log.error("store unavailable, waiting", error=str(error))
                claimed = None
            if claimed is None:
                self._wake.wait(self.poll_s)
                self._wake.clear()
                continue
            self._process(claimed)

    def _process(self, claimed: ClaimedDelivery) -> None:
        try:
            result = run_delivery(
                self.store, self.controller, self.metrics, claimed, dry_run=self.dry_run
            )
            error = result.retry_reason if result.status == "crashed" else None
            self.store.finish_delivery(claimed.id, run_id=result.run_id, error=error)
        except StoreUnavailableError as error:
            # The lease runs out and another claim takes the delivery again.
            log.error("store unavailable while recording a run", error=str(error))
        finally:
            with self._lock:
                self.processed += 1
