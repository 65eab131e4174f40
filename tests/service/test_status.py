"""`cadctl status`: the queue, the workers, stalled and failed work, and the budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from cad.executor.budget import BudgetLimits
from cad.store import Store, StoreWriteBudget
from cad.worker.queue import IncidentQueue

from .test_store import add

CADCTL = str(Path(sys.executable).with_name("cadctl"))


def cadctl_status(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAD_")}
    env["CAD_DATABASE_URL"] = url
    env["CAD_BUDGET_LIMITED_SUPPORT_PER_HOUR"] = "7"
    return subprocess.run(
        [CADCTL, "status", *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_status_shows_queued_running_stalled_and_failed_work_per_embedded_worker(
    store: Store,
) -> None:
    for n in range(5):
        add(store, f"Q{n}", f"w{n}")
    store.deliveries.claim("worker-a")
    store.deliveries.claim("worker-b")
    failed = store.deliveries.claim("worker-a")
    assert failed is not None
    store.deliveries.finish(failed.id, run_id=None, error="boom")
    store.deliveries.claim("worker-b", lease=timedelta(seconds=-1))  # its lease ran out: stalled
    StoreWriteBudget(store, BudgetLimits(limited_support_per_hour=7)).take("limited_support")

    done = cadctl_status(store.url, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["queue_depth"], report["running"], report["stalled"], report["failed"]) == (
        1,
        2,
        1,
        1,
    )
    assert report["workers"] == {
        "worker-a": {"running": 1, "stalled": 0},
        "worker-b": {"running": 1, "stalled": 1},
    }
    assert report["budget"]["limited_support"] == {"used": 1, "limit": 7}

    human = cadctl_status(store.url)
    assert human.returncode == 0, human.stderr
    assert "queue (embedded): 1 queued, 2 running, 1 stalled, 1 failed" in human.stdout
    assert "worker worker-b: 1 running, 1 stalled" in human.stdout
    assert "budget this hour: limited_support 1/7" in human.stdout


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_status_on_postgresql_reads_the_job_queue_and_each_workers_heartbeat(
    store: Store,
) -> None:
    queue = IncidentQueue()
    for n in range(5):
        store.deliveries.add(
            webhook_id=f"w{n}",
            event_id=None,
            incident_id=f"Q{n}",
            event_type="incident.triggered",
            payload="{}",
            queued=True,
            enqueue=queue,
        )
    with store.engine.begin() as conn:
        live, silent = (
            conn.execute(
                text(
                    "INSERT INTO procrastinate_workers (last_heartbeat) "
                    "VALUES (now() - make_interval(secs => :age)) RETURNING id"
                ),
                {"age": age},
            ).scalar_one()
            for age in (0, 3600)
        )
        for incident, status, worker in (
            ("Q0", "doing", live),
            ("Q1", "doing", silent),
            ("Q2", "failed", None),
        ):
            conn.execute(
                text(
                    "UPDATE procrastinate_jobs SET status = CAST(:status AS procrastinate_job_status), "
                    "worker_id = :worker WHERE args->>'incident_id' = :incident"
                ),
                {"status": status, "worker": worker, "incident": incident},
            )

    done = cadctl_status(store.url, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["engine"] == "procrastinate"
    assert (report["queue_depth"], report["running"], report["stalled"], report["failed"]) == (
        2,
        1,
        1,
        1,
    )
    assert report["workers"][str(live)]["running"] == 1
    assert report["workers"][str(silent)]["stalled"] == 1
    assert report["workers"][str(silent)]["heartbeat_age_s"] > 3000

    human = cadctl_status(store.url)
    assert human.returncode == 0, human.stderr
    assert "queue (procrastinate): 2 queued, 1 running, 1 stalled, 1 failed" in human.stdout
    assert f"worker {silent} (heartbeat 360" in human.stdout  # 3600 s and the test's seconds
    assert "s ago): 0 running, 1 stalled" in human.stdout


def test_status_of_a_database_without_migrations_says_so_without_a_traceback(
    tmp_path: Path,
) -> None:
    done = cadctl_status(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert done.returncode == 1
    assert "has `cadctl db upgrade` been run?" in done.stderr
    assert "Traceback" not in done.stderr
