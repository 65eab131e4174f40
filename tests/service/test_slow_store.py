"""A slow or frozen store: the receiver answers within its bound, health at once, readiness
tells; the CLI gives up after its timeouts and names the store."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from cad.config.settings import Settings
from cad.metrics import ServiceMetrics
from cad.simulators.server import ServerThread
from cad.store import Store
from cad.store.db import StoreUnavailableError
from cad.store.engine import StoreTimeouts
from cad.webhook.app import create_app
from cad.webhook.signature import sign
from tests.stalls import lock_held, silent_server
from tests.workers import CADCTL, worker_environment

SECRET = "slow-store-secret"  # the test's own
BOUND_S = 1.0
SLACK_S = 1.0  # scheduling on a loaded machine
HEALTH_S = 0.8  # "at once": well under the bound the stuck delivery waits for


def delivery(event_id: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "event": {
                "id": event_id,
                "event_type": "incident.triggered",
                "data": {
                    "id": "Q1",
                    "title": "ClusterHasGoneMissing CRITICAL (1)",
                    "html_url": "https://x.pagerduty.com/incidents/Q1",
                    "service": {"id": "PSVC", "summary": "dms"},
                },
            }
        }
    ).encode()
    return body, {"X-PagerDuty-Signature": sign(body, SECRET), "X-Webhook-Id": f"wh-{event_id}"}


def serve(store: Store) -> ServerThread:
    app = create_app(
        store=store,
        secrets=[SECRET],
        event_types={"incident.triggered"},
        metrics=ServiceMetrics(CollectorRegistry(), store.deliveries.depth),
        store_timeout_s=BOUND_S,
    )
    return ServerThread(app).start()


def timed(request: httpx.Request) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    with httpx.Client(timeout=10) as http:
        answer = http.send(request)
    return answer, time.monotonic() - started


def wait_for_a_store_call(threads_before: set[threading.Thread], timeout_s: float = 10) -> None:
    """Return once the receiver has handed a call to a store thread it started after
    ``threads_before`` (its pool names them ``cad-store``)."""
    deadline = time.monotonic() + timeout_s
    while not any(
        thread.name.startswith("cad-store") and thread not in threads_before
        for thread in threading.enumerate()
    ):
        assert time.monotonic() < deadline, f"no store call within {timeout_s} s"
        time.sleep(0.01)


@pytest.fixture
def receiver(store: Store) -> Iterator[tuple[str, Store]]:
    # The store's own waits are long (as a worker's are): the receiver's bound must hold anyway.
    slow = Store(store.url, StoreTimeouts(connect_s=5, statement_s=30))
    server = serve(slow)
    yield server.url, store
    server.stop()
    slow.close()


def test_a_locked_store_is_answered_503_within_the_bound_while_health_answers_at_once(
    receiver: tuple[str, Store],
) -> None:
    url, store = receiver
    body, headers = delivery("evt-locked")
    with lock_held(store.url):
        # Given another connection holds the lock the receiver needs
        # When PagerDuty delivers while a health probe arrives
        answers: list[tuple[httpx.Response, float]] = []
        posting = threading.Thread(
            target=lambda: answers.append(
                timed(
                    httpx.Request(
                        "POST", f"{url}/webhooks/pagerduty", content=body, headers=headers
                    )
                )
            )
        )
        threads_before = set(threading.enumerate())
        posting.start()
        wait_for_a_store_call(threads_before)  # the delivery is in the store, waiting
        health, health_s = timed(httpx.Request("GET", f"{url}/healthz"))
        ready, ready_s = timed(httpx.Request("GET", f"{url}/readyz"))
        posting.join(timeout=BOUND_S + 10)
        # Then health answers at once, readiness and the delivery within the bound
        assert health.status_code == 200
        assert health_s < HEALTH_S
        assert ready.status_code == 503
        assert ready.json()["store"].startswith("unavailable")
        assert ready_s < BOUND_S + SLACK_S
        [(answer, answer_s)] = answers
        assert answer.status_code == 503
        assert answer.json() == {"error": "the delivery could not be stored; please retry"}
        assert answer_s < BOUND_S + SLACK_S
    # And once the lock is gone, PagerDuty's retry is stored
    deadline = time.monotonic() + 30
    retried = httpx.post(f"{url}/webhooks/pagerduty", content=body, headers=headers, timeout=10)
    while retried.status_code == 503 and time.monotonic() < deadline:  # threads still waiting
        time.sleep(0.2)
        retried = httpx.post(f"{url}/webhooks/pagerduty", content=body, headers=headers, timeout=10)
    assert retried.status_code == 202
    assert store.deliveries.depth() == 1


def test_a_database_that_never_answers_is_answered_503_within_the_bound() -> None:
    with silent_server() as port:
        # Given a PostgreSQL URL whose server accepts connections and never answers
        store = Store(
            f"postgresql://cad:hunter2@127.0.0.1:{port}/cad",
            StoreTimeouts(connect_s=2, statement_s=BOUND_S),
        )
        server = serve(store)
        try:
            body, headers = delivery("evt-frozen")
            # When PagerDuty delivers and the probes ask
            answer, answer_s = timed(
                httpx.Request(
                    "POST", f"{server.url}/webhooks/pagerduty", content=body, headers=headers
                )
            )
            health, health_s = timed(httpx.Request("GET", f"{server.url}/healthz"))
            ready, ready_s = timed(httpx.Request("GET", f"{server.url}/readyz"))
        finally:
            server.stop()
            store.close()
    # Then every answer comes within the bound, and none carries the password
    assert answer.status_code == 503
    assert answer_s < BOUND_S + SLACK_S
    assert health.status_code == 200
    assert health_s < HEALTH_S
    assert ready.status_code == 503
    assert ready_s < BOUND_S + SLACK_S
    assert "did not answer within 1 s" in ready.json()["store"]
    assert "hunter2" not in answer.text + ready.text


def cadctl(url: str, *args: str, **settings: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = worker_environment(os.environ, url, **settings)
    started = time.monotonic()
    done = subprocess.run(  # our own CLI
        [CADCTL, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    return done, time.monotonic() - started


@pytest.mark.parametrize("command", [["status"], ["db", "upgrade"]], ids=["status", "upgrade"])
def test_the_cli_gives_up_on_a_frozen_database_and_names_it_without_the_password(
    command: list[str],
) -> None:
    with silent_server() as port:
        done, took = cadctl(
            f"postgresql://cad:hunter2@127.0.0.1:{port}/cad",
            *command,
            CAD_DATABASE_CONNECT_TIMEOUT_SECONDS="2",
        )
    assert done.returncode == 1, done.stderr
    assert f"cad:***@127.0.0.1:{port}/cad" in done.stderr
    assert "timeout" in done.stderr.lower()
    assert "hunter2" not in done.stderr
    assert "Traceback" not in done.stderr
    assert took < 20


@pytest.mark.parametrize(
    ("command", "table"),
    [(["status"], "deliveries"), (["db", "upgrade"], "alembic_version")],
    ids=["status", "upgrade"],
)
def test_the_cli_gives_up_on_a_locked_store_after_its_statement_timeout(
    store: Store, command: list[str], table: str
) -> None:
    # Given another connection holds a lock the command needs
    with lock_held(store.url, table):
        # When the command runs with a one-second statement timeout
        done, took = cadctl(store.url, *command, CAD_DATABASE_STATEMENT_TIMEOUT_SECONDS="1")
    # Then it fails soon after, naming the store
    assert done.returncode == 1, done.stderr
    assert store.name in done.stderr
    assert "Traceback" not in done.stderr
    assert took < 20


def test_a_store_call_behind_a_lock_fails_after_the_statement_timeout(store: Store) -> None:
    # Given a store whose statements may wait one second, and a lock another connection holds
    bounded = Store(store.url, StoreTimeouts(connect_s=2, statement_s=1))
    try:
        with lock_held(store.url):
            # When it reads what the lock covers
            started = time.monotonic()
            with pytest.raises(StoreUnavailableError) as raised:
                bounded.deliveries.depth()
            took = time.monotonic() - started
    finally:
        bounded.close()
    # Then it gives up after about a second, naming the store
    assert 0.5 < took < 1 + SLACK_S
    assert store.name in str(raised.value)


def test_the_receivers_store_waits_no_longer_than_its_bound() -> None:
    settings = Settings(
        webhook_store_timeout_seconds=1.5,
        database_connect_timeout_seconds=10,
        database_statement_timeout_seconds=30,
    )
    assert StoreTimeouts.receiving(settings) == StoreTimeouts(connect_s=1.5, statement_s=1.5)
    assert StoreTimeouts.of(settings) == StoreTimeouts(connect_s=10, statement_s=30)


@pytest.mark.parametrize(
    "setting",
    [
        {"webhook_store_timeout_seconds": 5},  # PagerDuty waits 5 s: the bound must be below
        {"webhook_store_timeout_seconds": 0},
        {"database_connect_timeout_seconds": 0.5},
        {"database_statement_timeout_seconds": 0},
    ],
)
def test_timeouts_out_of_range_are_refused(setting: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        Settings(**setting)  # type: ignore[arg-type]


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_web_ui_search_behind_a_lock_is_a_503_page_and_deliveries_are_still_stored(
    store: Store,
) -> None:
    # Given an open web UI (no token, loopback) on a receiver bound to BOUND_S
    bounded = Store(store.url, StoreTimeouts(connect_s=5, statement_s=BOUND_S))
    app = create_app(
        store=bounded,
        secrets=[SECRET],
        event_types={"incident.triggered"},
        metrics=ServiceMetrics(CollectorRegistry(), bounded.deliveries.depth),
        store_timeout_s=BOUND_S,
        open_history=True,
    )
    server = ServerThread(app).start()
    try:
        with lock_held(store.url, table="runs"):
            # When a reader searches the runs while another connection locks them
            page, waited = timed(httpx.Request("GET", f"{server.url}/ui/runs"))
            # and PagerDuty delivers meanwhile
            body, headers = delivery("evt-during-search")
            posted = httpx.post(
                f"{server.url}/webhooks/pagerduty", content=body, headers=headers, timeout=10
            )
    finally:
        server.stop()
        bounded.close()
    # Then the reader gets the "Store unavailable" page within the bound
    assert page.status_code == 503
    assert "Store unavailable" in page.text
    assert waited < BOUND_S + SLACK_S
    # And the delivery was stored: the UI's search did not hold the receiver's store threads
    assert posted.status_code == 202
    assert store.deliveries.counts() == {"queued": 1}
