"""The run history on SQLite and PostgreSQL: typed records, every action in the run's order,
kept apart from the ledger."""

from __future__ import annotations

import dataclasses

import pytest

from cad.controller.outcome import ChainStep, RunOutcome
from cad.executor.report import ActionRecord, Outcome
from cad.store import DurableLedger, RunAction, RunStep, Store, current_run


def action(kind: str, description: str, outcome: Outcome, error: str | None = None) -> ActionRecord:
    return ActionRecord(
        index=None,
        origin="executor",
        type=kind,
        lane="pagerduty",
        description=description,
        outcome=outcome,
        attempts=1,
        error=error,
        content={},
    )


def finished(*actions: ActionRecord) -> RunOutcome:
    return RunOutcome(
        mode="pagerduty",
        dry_run=False,
        status="succeeded",
        exit_code=0,
        incident={"id": "Q1"},
        cluster={"id": "c1"},
        alert="A",
        chain=[ChainStep(investigation="chgm", stage="s", outcome="ran", reason="stopped")],
        extra_actions=list(actions),
    )


def test_a_run_lists_its_actions_in_the_order_it_took_them(store: Store) -> None:
    # Given a run that skipped a limited support (already there), then posted a note
    ledger = DurableLedger(store)
    run = store.history.start(delivery_id=None, incident_id="Q1")
    token = current_run.set(run)
    try:  # the note's effect is recorded by the executor while the run goes on
        ledger.record(
            "incident:Q1", "note:1", action_type="pagerduty_note", description="post the note"
        )
    finally:
        current_run.reset(token)
    # When the run ends
    store.history.finish(
        run,
        finished(
            action("limited_support", "send limited support", Outcome.SKIPPED),
            action("pagerduty_note", "post the note", Outcome.SUCCEEDED),
        ),
    )
    # Then the history shows both, in the run's order, once each
    record = store.history.run(run)
    assert record is not None
    assert [(a.type, a.outcome) for a in record.actions] == [
        ("limited_support", "skipped"),
        ("pagerduty_note", "succeeded"),
    ]
    assert record.chain == (RunStep(investigation="chgm", outcome="ran", reason="stopped"),)


def test_two_actions_described_alike_are_both_in_the_history(store: Store) -> None:
    # Given a run that posted two notes described alike, one of them in the ledger
    ledger = DurableLedger(store)
    run = store.history.start(delivery_id=None, incident_id="Q1")
    token = current_run.set(run)
    try:
        ledger.record("incident:Q1", "note:1", action_type="pagerduty_note", description="note")
    finally:
        current_run.reset(token)
    # When the run reports both
    store.history.finish(
        run,
        finished(
            action("pagerduty_note", "note", Outcome.SUCCEEDED),
            action("pagerduty_note", "note", Outcome.SUCCEEDED),
        ),
    )
    # Then the history holds both: it is not matched to the ledger by description
    record = store.history.run(run)
    assert record is not None
    assert [a.outcome for a in record.actions] == ["succeeded", "succeeded"]


def test_a_run_that_never_ended_shows_the_effects_it_applied(store: Store) -> None:
    # Given a delivery's run that applied an effect, then its worker stopped
    run = store.history.start(delivery_id=1, incident_id="Q1")
    token = current_run.set(run)
    try:
        DurableLedger(store).record(
            "incident:Q1", "ls:1", action_type="limited_support", description="send LS"
        )
    finally:
        current_run.reset(token)
    store.deliveries.requeue_unfinished()
    # Then the history shows it interrupted, with the effect it applied
    record = store.history.run(run)
    assert record is not None
    assert record.status == "interrupted"
    assert [(a.type, a.outcome) for a in record.actions] == [("limited_support", "succeeded")]


def test_history_records_are_frozen_and_serialise_as_the_api_shows_them(store: Store) -> None:
    # Given a finished run
    run = store.history.start(delivery_id=None, incident_id="Q1")
    store.history.finish(run, finished(action("pagerduty_note", "note", Outcome.DRY_RUN)))
    [record] = store.history.runs()
    # Then it cannot be changed, and its JSON has the API's keys
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.status = "failed"  # type: ignore[misc]
    shown = record.to_json()
    assert set(shown) == {
        "id",
        "delivery_id",
        "incident_id",
        "cluster_id",
        "alert",
        "status",
        "started_at",
        "finished_at",
        "error",
        "chain",
        "actions",
        "cluster_external_id",
        "cluster_name",
        "organization_id",
        "trigger",
        "reason",
        "requested_by",
        "repeat_effects",
        "runner",
    }
    assert (shown["trigger"], shown["runner"]) == ("webhook", None)
    assert shown["started_at"].endswith("+00:00")
    assert shown["chain"] == [{"investigation": "chgm", "outcome": "ran", "reason": "stopped"}]
    assert shown["actions"] == [
        RunAction(
            type="pagerduty_note",
            description="note",
            outcome="dry_run",
            attempts=1,
            duration_s=0.0,
            error=None,
        ).to_json()
    ]


def test_a_run_keeps_its_clusters_organization_and_is_found_by_it(store: Store) -> None:
    # Given a run of a cluster of org-7 and one of a cluster whose organization was unknown
    first = store.history.start(delivery_id=None, incident_id="Q1")
    outcome = finished()
    outcome.cluster = {"id": "c1", "organization_id": "org-7"}
    store.history.finish(first, outcome)
    second = store.history.start(delivery_id=None, incident_id="Q2")
    unknown = finished()
    unknown.cluster = {"id": "c2", "organization_id": ""}
    store.history.finish(second, unknown)
    # When the history is read by organization
    found = store.history.runs(organization="org-7")
    # Then only the first run is found, with its organization; the other has none
    assert [(r.id, r.organization_id) for r in found] == [(first, "org-7")]
    record = store.history.run(second)
    assert record is not None
    assert record.organization_id is None
    assert store.history.runs(organization="org-8") == []
