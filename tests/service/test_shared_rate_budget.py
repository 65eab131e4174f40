"""The shared rate budget on PostgreSQL: worker processes on one database take their slots
from one bucket, and together never exceed it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from cad.ratelimit import RateLimit
from cad.store import Store, StoreRateBuckets
from tests.databases import fresh_store

RATE, BURST, SECONDS = 20.0, 5, 2.0

# One worker: connected, it says it is ready; from the start time it is sent, it takes slots as fast as it can for SECONDS, using
# each when the bucket says (sleeping until it), and print when each was granted by the
# database's clock and when it was used by this machine's.
TAKER = """
import json, sys, time
from cad.ratelimit import RateLimit
from cad.store import Store, StoreRateBuckets

url, rate, burst, seconds = sys.argv[1], *map(float, sys.argv[2:5])
store = Store(url)
buckets = StoreRateBuckets(store)
limit = RateLimit(per_second=rate, burst=int(burst))
with store.session():
    pass
print("ready", flush=True)
start = float(sys.stdin.readline())
time.sleep(max(0.0, start - time.time()))
grants = []
while time.time() < start + seconds:
    asked, granted = buckets.reserve_slot("pagerduty", "shared-token", limit, max_wait_s=30)
    time.sleep(max(0.0, granted - asked))
    grants.append([granted, time.time()])
store.close()
print(json.dumps(grants))
"""


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[Store]:
    store = fresh_store(postgres_url)
    with store.session() as session:
        session.execute(text("DELETE FROM rate_budget"))
    yield store
    store.close()


def most_in_any_window(grants: list[float], window_s: float) -> int:
    """The most grants in a window ``[t, t + window_s)``; slots a window apart are computed
    by adding intervals to epoch seconds, so an edge is blurred by float rounding (~1e-7 a
    step): a tenth of a millisecond of it is ignored."""
    ordered = sorted(grants)
    return max(sum(1 for g in ordered if start <= g < start + window_s - 1e-4) for start in ordered)


def test_two_worker_processes_taking_slots_as_fast_as_they_can_never_exceed_the_budget(
    pg_store: Store, postgres_url: str
) -> None:
    # Given two worker processes on one database, sharing a bucket of 20 a second, bursts of 5
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", TAKER, postgres_url, str(RATE), str(BURST), str(SECONDS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
    # When each takes slots as fast as it can for two seconds, from the same moment
    start = time.time() + 0.2
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(f"{start}\n")
        worker.stdin.flush()
    outputs = [json.loads(worker.communicate(timeout=60)[0]) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers)
    # Then both were served, from the one budget: together, no more than the burst and
    # the rate over the whole run, and in no window more than burst + rate x window - 1
    granted = [slot for output in outputs for slot, _used in output]
    assert all(len(output) >= 5 for output in outputs)
    assert len(granted) <= BURST + RATE * SECONDS + 1
    assert len(granted) >= RATE * SECONDS * 0.75  # and the bucket did not starve them
    for window in (0.1, 0.25, 0.5, 1.0, 2.0):
        assert most_in_any_window(granted, window) <= BURST + round(RATE * window) - 1, window
    # And each worker used its slot no earlier than it was granted
    assert all(used >= slot - 0.005 for output in outputs for slot, used in output)


def test_a_slot_further_away_than_the_caller_may_wait_is_not_reserved(pg_store: Store) -> None:
    buckets = StoreRateBuckets(pg_store)
    limit = RateLimit(per_second=1, burst=1)
    assert buckets.reserve("cloudtrail", "123/us-east-1", limit, 60) == 0.0
    assert buckets.reserve("cloudtrail", "123/us-east-1", limit, 0.5) is None
    wait = buckets.reserve("cloudtrail", "123/us-east-1", limit, 60)
    assert wait is not None
    assert 0.9 < wait <= 1.0
    assert buckets.reserve("cloudtrail", "456/us-east-1", limit, 60) == 0.0  # another account
