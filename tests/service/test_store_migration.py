"""Migration 0004 on SQLite and PostgreSQL: the history and the ledger kept together in
``action_records`` move to ``run_actions`` and ``ledger``, and back on a downgrade."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, inspect, text

from cad.store import DurableLedger, Store, downgrade, upgrade
from cad.store.records import RunRequest
from cad.store.runners import this_process
from tests.databases import postgres_database, sqlite_url

AT = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)

# The old shape: the ledger's rows (outcome succeeded, facts inside the content) and the
# history's (outcome reported or the action's own, a "<type>:history" key), in one table.
RUNS = [
    {"id": 1, "incident_id": "Q1", "cluster_id": "c1", "status": "succeeded"},
    {"id": 2, "incident_id": "Q2", "cluster_id": None, "status": "interrupted"},
]
RECORDS = [
    (1, "incident:Q1", "limited_support", "ls:1", "send LS", '{"reason": "x"}', "succeeded", None),
    (
        1,
        "incident:Q1",
        "silence_incident",
        "silence:1",
        "silence",
        '{"policy": "P", "facts": {"previous_policy": "PORIG"}}',
        "succeeded",
        None,
    ),
    (1, "incident:Q1", "pagerduty_note", "pagerduty_note:history", "note", "{}", "failed", "500"),
    (1, "incident:Q1", "escalate", "escalate:history", "escalate", "{}", "reported", None),
    (2, "incident:Q2", "limited_support", "ls:2", "send LS", "{}", "succeeded", None),
    (None, "manual", "limited_support", "ls:3", "send LS", "{}", "succeeded", None),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        yield from postgres_database()


def seed_old_shape(store: Store) -> None:
    with store.engine.begin() as conn:
        for run in RUNS:
            conn.execute(
                text(
                    "INSERT INTO runs (id, incident_id, cluster_id, alert, chain, status, "
                    "started_at, finished_at) VALUES "
                    "(:id, :incident_id, :cluster_id, 'A', '[]', :status, :at, :at)"
                ),
                {**run, "at": AT},
            )
        for run_id, scope, kind, key, description, content, outcome, error in RECORDS:
            conn.execute(
                text(
                    "INSERT INTO action_records (run_id, scope, type, dedupe_key, description, "
                    "content, outcome, attempts, duration_s, error, recorded_at) VALUES "
                    "(:run, :scope, :kind, :key, :description, :content, :outcome, 1, 0.5, "
                    ":error, :at)"
                ),
                {
                    "run": run_id,
                    "scope": scope,
                    "kind": kind,
                    "key": key,
                    "description": description,
                    "content": content,
                    "outcome": outcome,
                    "error": error,
                    "at": AT,
                },
            )


def old_shape(store: Store) -> tuple[dict[int, list[tuple[Any, ...]]], set[tuple[Any, ...]]]:
    """What the old store showed: each run's history, and the ledger's entries."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT run_id, scope, type, dedupe_key, description, content, outcome, error "
                "FROM action_records ORDER BY id"
            )
        ).all()
    history: dict[int, list[tuple[Any, ...]]] = {}
    for run_id, _, kind, _, description, _, outcome, error in rows:
        if run_id is not None:
            shown = "succeeded" if outcome == "reported" else outcome
            history.setdefault(run_id, []).append((kind, description, shown, error))
    ledger = {
        (scope, kind, key, description, json.dumps(json.loads(content), sort_keys=True))
        for _, scope, kind, key, description, content, outcome, _ in rows
        if outcome == "succeeded"
    }
    return history, ledger


def test_the_upgrade_moves_history_and_ledger_apart_and_the_downgrade_puts_them_back(
    url: str,
) -> None:
    # Given a database at revision 0003 with runs, history and ledger in the old shape
    upgrade(url, to="0003")
    store = Store(url)
    try:
        seed_old_shape(store)
        history_before, ledger_before = old_shape(store)
        # When it is upgraded
        upgrade(url)
        # Then the old table is gone, and each run shows the same actions, in the same order
        tables = set(inspect(store.engine).get_table_names())
        assert {"run_actions", "ledger"} <= tables
        assert "action_records" not in tables
        for run_id, actions in history_before.items():
            record = store.history.run(run_id)
            assert record is not None
            assert [(a.type, a.description, a.outcome, a.error) for a in record.actions] == actions
        # And the ledger vouches for every applied effect, and recalls the facts
        ledger = DurableLedger(store)
        for scope, _, key, _, _ in ledger_before:
            assert ledger.applied(scope, key) is not None, (scope, key)
        assert ledger.applied("incident:Q1", "pagerduty_note:history") is None
        assert ledger.recall("incident:Q1", "silence_incident", "previous_policy") == "PORIG"
        with store.engine.connect() as conn:
            content = conn.execute(
                text("SELECT content FROM ledger WHERE dedupe_key = 'silence:1'")
            ).scalar_one()
        assert json.loads(content) == {"policy": "P"}
        # When it is downgraded again
        downgrade(url, "0003")
        # Then the old table shows the same history and ledger as before
        history_after, ledger_after = old_shape(store)
        assert history_after == history_before
        assert ledger_after == ledger_before
        assert not {"run_actions", "ledger"} & set(inspect(store.engine).get_table_names())
    finally:
        store.close()


def test_a_run_recorded_after_the_upgrade_survives_a_downgrade(url: str) -> None:
    # Given a database at the head whose run applied an effect and reported it
    upgrade(url)
    store = Store(url)
    try:
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO runs (id, incident_id, chain, status, started_at) "
                    "VALUES (7, 'Q7', '[]', 'succeeded', :at)"
                ),
                {"at": AT},
            )
            conn.execute(
                text(
                    "INSERT INTO ledger (run_id, scope, dedupe_key, type, description, content, "
                    "facts, attempts, duration_s, recorded_at) VALUES (7, 'incident:Q7', 'n:1', "
                    "'pagerduty_note', 'note', '{}', '{\"k\": \"v\"}', 1, 0, :at)"
                ),
                {"at": AT},
            )
            conn.execute(
                text(
                    "INSERT INTO run_actions (run_id, position, type, description, outcome, "
                    "attempts, duration_s) VALUES (7, 0, 'pagerduty_note', 'note', 'succeeded', "
                    "1, 0), (7, 1, 'escalate', 'escalate', 'dry_run', 0, 0)"
                )
            )
        # When it is downgraded to 0003
        downgrade(url, "0003")
        # Then the old shape shows the run's two actions once each, and the ledger's entry
        # with its facts inside the content
        history, ledger = old_shape(store)
        assert history == {
            7: [
                ("pagerduty_note", "note", "succeeded", None),
                ("escalate", "escalate", "dry_run", None),
            ]
        }
        assert ledger == {
            ("incident:Q7", "pagerduty_note", "n:1", "note", '{"facts": {"k": "v"}}'),
        }
    finally:
        store.close()


def insert_run_3(conn: Connection) -> None:
    """Run 3 of incident Q3 on cluster c3, succeeded, in the columns every revision has."""
    conn.execute(
        text(
            "INSERT INTO runs (id, incident_id, cluster_id, chain, status, started_at) "
            "VALUES (3, 'Q3', 'c3', '[]', 'succeeded', :at)"
        ),
        {"at": AT},
    )


def test_the_upgrade_to_0007_keeps_every_run_and_delivery_and_asks_who_of_new_ones(
    url: str,
) -> None:
    # Given a database at revision 0006 with a run and a delivery
    upgrade(url, to="0006")
    store = Store(url)
    try:
        with store.engine.begin() as conn:
            insert_run_3(conn)
            conn.execute(
                text(
                    "INSERT INTO deliveries (incident_id, event_type, received_at, payload, "
                    "status, attempts) VALUES ('Q3', 'incident.triggered', :at, '{}', 'done', 1)"
                ),
                {"at": AT},
            )
        # When it is upgraded
        upgrade(url)
        # Then the old run reads as before, in UTC, with nobody named as asking
        record = store.history.run(3)
        assert record is not None
        assert (record.incident_id, record.cluster_id, record.status) == ("Q3", "c3", "succeeded")
        assert record.started_at == AT
        assert (record.trigger, record.reason, record.requested_by) == (None, None, None)
        assert record.repeat_effects is False
        # And the old delivery can be re-run
        asked = RunRequest(trigger="rerun", reason="why", requested_by="me")
        assert store.deliveries.add_rerun("Q3", asked) > 1
        columns = {c["name"] for c in inspect(store.engine).get_columns("runs")}
        assert {"trigger", "reason", "requested_by", "repeat_effects"} <= columns
        # When it is downgraded to 0006
        downgrade(url, "0006")
        # Then the columns are gone and the run is still there
        columns = {c["name"] for c in inspect(store.engine).get_columns("runs")}
        assert not {"trigger", "reason", "cluster_name"} & columns
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM runs")).scalar_one() == 1
    finally:
        store.close()


def test_the_upgrade_to_0008_keeps_every_run_and_records_organizations_of_new_ones(
    url: str,
) -> None:
    # Given a database at revision 0007 with a run
    upgrade(url, to="0007")
    store = Store(url)
    try:
        with store.engine.begin() as conn:
            insert_run_3(conn)
        # When it is upgraded
        upgrade(url)
        # Then the old run reads as before, with no organization, and is found by none
        record = store.history.run(3)
        assert record is not None
        assert (record.incident_id, record.organization_id) == ("Q3", None)
        assert store.history.runs(organization="org-1") == []
        assert "ix_runs_organization_id" in {
            i["name"] for i in inspect(store.engine).get_indexes("runs")
        }
        # When it is downgraded to 0007
        downgrade(url, "0007")
        # Then the column is gone and the run is still there
        columns = {c["name"] for c in inspect(store.engine).get_columns("runs")}
        assert "organization_id" not in columns
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM runs")).scalar_one() == 1
    finally:
        store.close()


def test_the_upgrade_to_0009_keeps_every_run_and_records_who_runs_new_ones(url: str) -> None:
    # Given a database at revision 0008 with a run left running by an old cadctl
    upgrade(url, to="0008")
    store = Store(url)
    try:
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO runs (id, incident_id, chain, status, started_at, trigger) "
                    "VALUES (4, 'Q4', '[]', 'running', :at, 'run')"
                ),
                {"at": AT},
            )
        # When it is upgraded
        upgrade(url)
        # Then the old run reads as before, with no runner, and no sweep judges it
        record = store.history.run(4)
        assert record is not None
        assert (record.status, record.runner_host, record.runner_pid) == ("running", None, None)
        assert store.history.interrupt_gone_runners() == 0
        assert "ix_runs_runner_host" in {
            i["name"] for i in inspect(store.engine).get_indexes("runs")
        }
        # And a new operator's run names its process
        me = this_process()
        new = store.history.start(
            delivery_id=None, incident_id="Q5", request=RunRequest(trigger="run", runner=me)
        )
        found = store.history.run(new)
        assert found is not None
        assert (found.runner_host, found.runner_pid) == (me.host, me.pid)
        # When it is downgraded to 0008
        downgrade(url, "0008")
        # Then the columns are gone and both runs are still there
        columns = {c["name"] for c in inspect(store.engine).get_columns("runs")}
        assert not columns & {"runner_host", "runner_pid", "runner_process"}
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM runs")).scalar_one() == 2
    finally:
        store.close()
