"""The store on SQLite and PostgreSQL: deliveries, claims, coalescing, ledger, history."""

from __future__ import annotations

import threading
from datetime import timedelta

from cad.controller.outcome import RunOutcome
from cad.store import DurableLedger, Store, current_run


def add(store: Store, incident: str, webhook: str) -> tuple[int, bool]:
    return store.deliveries.add(
        webhook_id=webhook,
        event_id=f"evt-{webhook}",
        incident_id=incident,
        event_type="incident.triggered",
        payload="{}",
        queued=True,
    )


def test_a_delivery_is_stored_once_whatever_its_repeats(store: Store) -> None:
    first, created = add(store, "Q1", "w1")
    assert created
    again, created_again = add(store, "Q1", "w1")
    assert (again, created_again) == (first, False)
    same_event, created_event = store.deliveries.add(
        webhook_id="w-other",
        event_id="evt-w1",
        incident_id="Q1",
        event_type="incident.triggered",
        payload="{}",
        queued=True,
    )
    assert (same_event, created_event) == (first, False)
    assert store.deliveries.depth() == 1


def test_one_incident_is_never_claimed_twice_at_once_and_a_burst_is_coalesced(store: Store) -> None:
    for webhook in ("a", "b", "c"):
        add(store, "Q1", webhook)
    add(store, "Q2", "d")
    first = store.deliveries.claim("w1")
    assert first is not None
    assert (first.incident_id, first.coalesced) == ("Q1", 2)
    second = store.deliveries.claim("w2")
    assert second is not None
    assert second.incident_id == "Q2"
    assert store.deliveries.claim("w3") is None
    add(store, "Q1", "e")  # arrives while Q1 is being run
    assert store.deliveries.claim("w3") is None  # waits for the run in progress
    store.deliveries.finish(first.id, run_id=None)
    third = store.deliveries.claim("w3")
    assert third is not None
    assert third.incident_id == "Q1"
    assert store.deliveries.counts() == {"coalesced": 2, "done": 1, "processing": 2}


def test_concurrent_claims_never_share_an_incident(store: Store) -> None:
    for n in range(30):
        add(store, f"Q{n % 5}", f"w{n}")
    claimed: list[str] = []
    lock = threading.Lock()

    def grab(worker: str) -> None:
        found = store.deliveries.claim(worker)
        if found is not None:
            with lock:
                claimed.append(found.incident_id)

    threads = [threading.Thread(target=grab, args=(f"t{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == ["Q0", "Q1", "Q2", "Q3", "Q4"]


def test_an_expired_lease_or_a_restart_puts_a_delivery_back(store: Store) -> None:
    add(store, "Q1", "a")
    assert store.deliveries.claim("dead", lease=timedelta(seconds=-1)) is not None
    retaken = store.deliveries.claim("alive")
    assert retaken is not None
    assert retaken.attempts == 2
    assert store.deliveries.requeue_unfinished() == 1
    assert store.deliveries.depth() == 1


def test_the_ledger_remembers_each_effect_once_per_scope(store: Store) -> None:
    ledger = DurableLedger(store)
    run = store.history.start(delivery_id=None, incident_id="Q1")
    token = current_run.set(run)
    try:
        assert ledger.applied("incident:Q1", "limited_support:abc") is None
        ledger.record(
            "incident:Q1", "limited_support:abc", action_type="limited_support", description="LS"
        )
        ledger.record(
            "incident:Q1", "limited_support:abc", action_type="limited_support", description="LS"
        )
    finally:
        current_run.reset(token)
    effect = ledger.applied("incident:Q1", "limited_support:abc")
    assert effect is not None
    assert effect.action_type == "limited_support"
    assert ledger.applied("incident:Q2", "limited_support:abc") is None
    second = DurableLedger(Store(store.url))  # another process sees it too
    assert second.applied("incident:Q1", "limited_support:abc") is not None
    second.store.close()


def test_runs_are_recorded_and_listed_newest_first(store: Store) -> None:
    run = store.history.start(delivery_id=None, incident_id="Q1")
    store.history.finish(
        run,
        RunOutcome(
            mode="pagerduty",
            dry_run=False,
            status="succeeded",
            exit_code=0,
            incident={"id": "Q1"},
            cluster={"id": "c1"},
            alert="A",
        ),
    )
    later = store.history.start(delivery_id=None, incident_id="Q2")
    store.history.fail(later, "boom")
    listed = store.history.runs()
    assert [r.id for r in listed] == [later, run]
    assert listed[0].status == "failed"
    assert store.history.runs(cluster="c1")[0].alert == "A"
    assert store.history.run(9999) is None
