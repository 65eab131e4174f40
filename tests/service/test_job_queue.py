"""The job queue on PostgreSQL: a delivery and its incident's job are written in one
transaction, one waiting job per incident, and a job takes every delivery stored before it
starts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from cad.store import Store, downgrade, upgrade
from cad.store.db import StoreUnavailableError
from cad.worker.queue import IncidentQueue
from tests.databases import postgres_database

from .test_store import add as add_without_job

ON_POSTGRESQL = pytest.mark.parametrize("store", ["postgresql"], indirect=True)


def add(store: Store, incident: str, webhook: str) -> tuple[int, bool]:
    return store.deliveries.add(
        webhook_id=webhook,
        event_id=None,
        incident_id=incident,
        event_type="incident.triggered",
        payload="{}",
        queued=True,
        enqueue=IncidentQueue(),
    )


def jobs(store: Store) -> list[tuple[str, str]]:
    with store.engine.begin() as conn:
        return [
            (str(lock), str(status))
            for lock, status in conn.execute(
                text("SELECT lock, status::text FROM procrastinate_jobs ORDER BY id")
            )
        ]


@ON_POSTGRESQL
def test_each_stored_delivery_has_its_incidents_job_and_an_incident_waits_in_one_job(
    store: Store,
) -> None:
    assert add(store, "Q1", "a")[1]
    assert add(store, "Q1", "b")[1]  # stored, though Q1's job is already waiting
    assert add(store, "Q2", "c")[1]
    assert add(store, "Q1", "a") == (1, False)  # a duplicate queues nothing
    assert jobs(store) == [("incident:Q1", "todo"), ("incident:Q2", "todo")]
    assert store.deliveries.counts() == {"queued": 3}


@ON_POSTGRESQL
def test_the_incidents_job_takes_the_oldest_delivery_and_coalesces_the_others(
    store: Store,
) -> None:
    for webhook in ("a", "b", "c"):
        add(store, "Q1", webhook)
    claimed = store.deliveries.claim_incident("Q1", "w1")
    assert claimed is not None
    assert (claimed.id, claimed.coalesced, claimed.attempts) == (1, 2, 1)
    assert (
        store.deliveries.claim_incident("Q1", "w1") is not None
    )  # still processing: a retry retakes it
    assert store.deliveries.counts() == {"processing": 1, "coalesced": 2}


@ON_POSTGRESQL
def test_a_retried_job_retakes_its_delivery_and_marks_the_dead_attempts_run_interrupted(
    store: Store,
) -> None:
    add(store, "Q1", "a")
    first = store.deliveries.claim_incident("Q1", "dies")
    assert first is not None
    run = store.history.start(delivery_id=first.id, incident_id="Q1")
    again = store.deliveries.claim_incident("Q1", "lives")
    assert again is not None
    assert (again.id, again.attempts) == (first.id, 2)
    stored = store.history.run(run)
    assert stored is not None
    assert stored.status == "interrupted"


@ON_POSTGRESQL
def test_a_job_with_nothing_left_to_run_claims_nothing(store: Store) -> None:
    add(store, "Q1", "a")
    claimed = store.deliveries.claim_incident("Q1", "w1")
    assert claimed is not None
    store.deliveries.finish(claimed.id, run_id=None)
    assert store.deliveries.claim_incident("Q1", "w1") is None
    assert add_without_job(store, "Q2", "b")[1]


@pytest.fixture
def broken_queue() -> Iterator[Store]:
    for url in postgres_database():  # a database of its own: its queue table is dropped
        upgrade(url)
        created = Store(url)
        with created.engine.begin() as conn:
            conn.execute(text("DROP TABLE procrastinate_jobs CASCADE"))
        yield created
        created.close()


def test_when_the_job_cannot_be_queued_the_delivery_is_not_stored_either(
    broken_queue: Store,
) -> None:
    with pytest.raises(StoreUnavailableError, match="the job could not be queued"):
        add(broken_queue, "Q1", "a")
    assert broken_queue.deliveries.counts() == {}


@ON_POSTGRESQL
def test_a_job_fetched_while_a_delivery_is_being_stored_waits_for_it_and_takes_it(
    store: Store,
) -> None:
    queue = IncidentQueue()
    add(store, "Q1", "a")  # Q1's job waits
    inside, release = threading.Event(), threading.Event()

    def slow_enqueue(connection: Any, incident_id: str) -> None:
        try:
            queue(connection, incident_id)  # refused: Q1's job is still waiting
        finally:
            inside.set()
            release.wait(10)  # the receiver's transaction, not yet committed

    receiver = threading.Thread(
        target=store.deliveries.add,
        kwargs={
            "webhook_id": "b",
            "event_id": None,
            "incident_id": "Q1",
            "event_type": "incident.triggered",
            "payload": "{}",
            "queued": True,
            "enqueue": slow_enqueue,
        },
    )
    receiver.start()
    assert inside.wait(10)
    with store.engine.begin() as conn:  # a worker fetches Q1's job now
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'doing'"))
    claims: list[Any] = []
    worker = threading.Thread(
        target=lambda: claims.append(store.deliveries.claim_incident("Q1", "w"))
    )
    worker.start()
    worker.join(0.5)
    assert worker.is_alive()  # its claim waits for the receiver's commit
    release.set()
    receiver.join(10)
    worker.join(10)
    [claimed] = claims
    assert (claimed.id, claimed.coalesced) == (1, 1)  # the late delivery is not left behind
    assert store.deliveries.counts() == {"processing": 1, "coalesced": 1}


def test_the_job_queue_migration_can_be_undone_and_applied_again() -> None:
    for url in postgres_database():
        upgrade(url)
        downgrade(url, "0002")
        store = Store(url)
        with store.engine.begin() as conn:
            left = conn.execute(
                text(
                    "SELECT count(*) FROM pg_class WHERE relname LIKE 'procrastinate%' "
                    "UNION ALL SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%' "
                    "UNION ALL SELECT count(*) FROM pg_type WHERE typname LIKE 'procrastinate%'"
                )
            ).scalars()
            assert list(left) == [0, 0, 0]
        upgrade(url)
        assert add(store, "Q1", "a")[1]
        assert jobs(store) == [("incident:Q1", "todo")]
        store.close()
