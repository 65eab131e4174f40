"""Issue 13's "never leave an incident with nobody", with the ledger's store locked: a run
crashes while another connection holds the SQLite write lock, and its crash escalation still
reaches the incident (the ledger cannot check or record it: that is reported, not fatal)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from typing import Any

import pytest

from cad.clients.ocm.models import Cluster
from cad.simulators.sandbox import Sandbox
from tests.service.test_nobody_left import post
from tests.service.test_service import CLUSTER, STOPPED, Start, seed


class LockingCrashingOcm:
    """The OCM reader with a bug, which first makes the store's lock taken: another
    connection begins an exclusive transaction on the database file (once)."""

    def __init__(self, real: Any, database: str) -> None:
        self.real = real
        self.database = database
        self.holder: sqlite3.Connection | None = None
        self.locked = threading.Event()

    def find_cluster(self, identifier: str) -> Cluster:
        if self.holder is None:
            self.holder = sqlite3.connect(
                self.database, timeout=5, isolation_level=None, check_same_thread=False
            )
            self.holder.execute("BEGIN EXCLUSIVE")
            self.locked.set()
        raise KeyError("a bug in CAD")

    def release(self) -> None:
        if self.holder is not None:
            self.holder.execute("ROLLBACK")
            self.holder.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.mark.parametrize("start", ["sqlite"], indirect=True)
def test_a_crashed_run_is_escalated_while_the_ledgers_store_is_locked(
    sandbox: Sandbox, start: Start
) -> None:
    # Given a service on SQLite whose cluster lookup takes the store's lock, then crashes
    seed(sandbox, aws=STOPPED)
    sandbox.create_incident(
        "Q1", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": CLUSTER}]
    )
    service, url = start(workers=1, start_workers=False, database_statement_timeout_seconds=0.3)
    deps = service.runtime.built.controller.deps
    ocm = LockingCrashingOcm(deps.ocm, service.store.url.removeprefix("sqlite:///"))
    deps.ocm = ocm  # type: ignore[assignment]
    assert service.workers is not None
    service.workers.start()
    try:
        # When a delivery runs and crashes, the lock still held
        body = json.dumps(sandbox.pagerduty.webhook_payload("Q1")).encode()
        assert post(url, body, "crash") == 202
        assert ocm.locked.wait(30)
        # Then the incident is escalated and noted while the ledger cannot check or record
        deadline = time.monotonic() + 30
        while sandbox.pagerduty.incident("Q1").escalation_level != 2:
            assert time.monotonic() < deadline, "the crash was never escalated"
            time.sleep(0.05)
        incident = sandbox.pagerduty.incident("Q1")
        assert any("CAD crashed during run" in n["content"] for n in incident.notes)
    finally:
        ocm.release()
