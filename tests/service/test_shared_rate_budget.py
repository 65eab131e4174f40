"""The shared rate budget on PostgreSQL: worker processes on one database take their slots
from one bucket, and together never exceed it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from cad.clients.factory import build_clients
from cad.ratelimit import RateGates, RateLimit, RateLimits
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec
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


def test_cloudtrail_lookups_reaching_the_simulator_after_their_slots_are_never_throttled(
    pg_store: Store, sandbox: Sandbox
) -> None:
    # Given CloudTrail's real limit (2 lookups a second per account and region), and CAD's
    # clients taking its default budget from PostgreSQL on a busy worker: every third wait
    # for a slot wakes 0.3 s late, so that lookup reaches CloudTrail behind the next two's
    # slots (with 0.56 s between slots, as before, three landed in one second)
    sandbox.enforce_rate_limits()
    sandbox.add_cluster(ClusterSpec(id="c1", name="my-cluster"))
    waits: list[float] = []

    def wake_late(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds + (0.3 if len(waits) % 3 == 1 else 0.0))

    gates = RateGates(StoreRateBuckets(pg_store), RateLimits(), sleep=wake_late)
    clients = build_clients(sandbox.settings(), gates=gates)
    aws = clients.aws_client("c1", "us-east-1")
    now = datetime.now(UTC)
    try:
        # When it looks up stop events three times in a row (six lookups in one account)
        for _ in range(3):
            aws.lookup_stop_events(now - timedelta(hours=2), now)
    finally:
        aws.close()
        clients.close()
    # Then every lookup after the first waited for its slot, and CloudTrail refused none
    assert len(waits) == 5
    assert sandbox.throttled()["cloudtrail"] == 0
