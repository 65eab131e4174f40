"""Re-runs on SQLite and PostgreSQL: queued with who asked and why, never coalesced, run by
the service's workers with the ledger; the history says who asked, in UTC."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC
from pathlib import Path

import httpx
import pytest

from cad.controller.outcome import RunOutcome
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import WorldSpec
from cad.store import Store
from cad.store.deliveries import UnknownIncidentError
from cad.store.records import KeptPayload, RunRequest
from tests.cli.test_cadctl import CADCTL, CLEAN_ENV
from tests.service.test_service import CLUSTER, STOPPED, deliver, seed, wait_for_runs

from .conftest import Start

ASKED = RunRequest(trigger="rerun", reason="OCM was down", requested_by="alice")


def stored(store: Store, incident: str = "Q1", webhook: str = "wh-1") -> int:
    payload = json.dumps({"event": {"id": f"e-{webhook}", "data": {"id": incident}}})
    delivery, _ = store.deliveries.add(
        webhook_id=webhook,
        event_id=f"e-{webhook}",
        incident_id=incident,
        event_type="incident.triggered",
        payload=payload,
        queued=True,
    )
    return delivery


def test_a_rerun_carries_the_incidents_payload_and_who_asked_and_why(store: Store) -> None:
    # Given an incident whose delivery was run
    first = stored(store)
    claimed = store.deliveries.claim("w-0")
    assert claimed is not None
    assert claimed.id == first
    store.deliveries.finish(first, run_id=None)
    # When a re-run is asked for
    rerun = store.deliveries.add_rerun("Q1", ASKED)
    # Then a worker takes it with the same payload and the request
    taken = store.deliveries.claim("w-0")
    assert taken is not None
    assert taken.id == rerun
    assert taken.payload == claimed.payload
    assert taken.request == ASKED
    assert claimed.request.trigger == "webhook"


def test_a_rerun_of_an_incident_never_stored_is_refused(store: Store) -> None:
    with pytest.raises(UnknownIncidentError, match="no delivery of incident 'Q9'"):
        store.deliveries.add_rerun("Q9", ASKED)
    assert store.deliveries.counts() == {}


def test_a_rerun_is_not_coalesced_into_a_webhook_delivery_of_its_incident(store: Store) -> None:
    # Given a webhook delivery, a re-run and a redelivery, all queued
    first = stored(store)
    rerun = store.deliveries.add_rerun("Q1", ASKED)
    stored(store, webhook="wh-2")
    # When a worker takes the first
    taken = store.deliveries.claim("w-0")
    assert taken is not None
    assert (taken.id, taken.coalesced) == (first, 1)
    store.deliveries.finish(first, run_id=None)
    # Then the re-run is still there for the next claim
    after = store.deliveries.claim("w-0")
    assert after is not None
    assert after.id == rerun


def test_the_history_finds_a_cluster_by_id_external_id_or_name_with_utc_times(
    store: Store,
) -> None:
    run = store.history.start(delivery_id=None, incident_id=None, request=ASKED)
    store.history.finish(
        run,
        RunOutcome(
            mode="manual",
            dry_run=False,
            status="succeeded",
            exit_code=0,
            cluster={"id": "c1", "external_id": "ext-1", "name": "my-cluster", "infra": "no"},
        ),
    )
    for name in ("c1", "ext-1", "my-cluster"):
        [found] = store.history.runs(cluster=name)
        assert found.id == run
        assert found.started_at.tzinfo is not None
        assert found.started_at.utcoffset() == UTC.utcoffset(None)
        assert found.to_json()["finished_at"].endswith("+00:00")
        assert (found.trigger, found.reason, found.requested_by) == ("rerun", ASKED.reason, "alice")
    assert store.history.runs(cluster="other") == []


def post_rerun(url: str, incident: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(f"{url}/incidents/{incident}/rerun", json=body, timeout=10)


def test_a_rerun_through_the_receiver_repeats_no_effect_and_is_in_the_history(
    sandbox: Sandbox, start: Start
) -> None:
    # Given an incident the service handled: limited support, a note, a silence
    seed(sandbox, "Q1", aws=STOPPED)
    service, url = start()
    assert deliver(sandbox, url, "Q1", "wh-1") == 202
    wait_for_runs(service, 1)
    posted = len(sandbox.pagerduty.incident("Q1").notes)
    # When the web UI's re-run button posts a re-run
    answer = post_rerun(url, "Q1", {"reason": "customer says fixed", "requested_by": "bob"})
    assert answer.status_code == 202, answer.text
    rerun, first = wait_for_runs(service, 2)
    # Then no effect was applied again, and the history says who asked and why
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    assert len(sandbox.pagerduty.incident("Q1").notes) == posted
    assert (rerun.trigger, rerun.reason, rerun.requested_by) == (
        "rerun",
        "customer says fixed",
        "bob",
    )
    assert first.trigger == "webhook"
    applied = [a for a in rerun.actions if a.outcome == "succeeded"]
    assert applied == [], applied


def test_the_receiver_refuses_a_rerun_without_reason_or_of_an_unknown_incident(
    sandbox: Sandbox, start: Start
) -> None:
    service, url = start(start_workers=False)
    assert post_rerun(url, "Q1", {"requested_by": "bob"}).status_code == 400
    assert post_rerun(url, "Q404", {"reason": "why not"}).status_code == 404
    as_form = httpx.post(f"{url}/incidents/Q1/rerun", data={"reason": "x"}, timeout=10)
    assert as_form.status_code == 415
    assert service.store.deliveries.counts() == {}


def cadctl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own CLI, fixed arguments
        [CADCTL, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_cadctl_rerun_runs_through_the_service_and_repeat_effects_applies_them_again(
    sandbox: Sandbox, start: Start
) -> None:
    # Given an incident the service handled
    seed(sandbox, "Q1", aws=STOPPED)
    service, url = start()
    assert deliver(sandbox, url, "Q1", "wh-1") == 202
    wait_for_runs(service, 1)
    notes = len(sandbox.pagerduty.incident("Q1").notes)
    env = {**CLEAN_ENV, **sandbox.environment(), "CAD_LOG_LEVEL": "error"}
    env["CAD_DATABASE_URL"] = service.store.url
    # When an operator re-runs it
    done = cadctl(env, "rerun", "Q1", "--reason", "OCM was flaky", "--requested-by", "carol")
    # Then the service's workers ran it: nothing repeated, the run says who and why
    assert done.returncode == 0, done.stderr
    assert "rerun by carol: OCM was flaky" in done.stdout
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    assert len(sandbox.pagerduty.incident("Q1").notes) == notes
    [rerun, _] = wait_for_runs(service, 2)
    assert (rerun.reason, rerun.requested_by, rerun.repeat_effects) == (
        "OCM was flaky",
        "carol",
        False,
    )
    # Given the limited support was lifted since
    sandbox.ocm.limited_support[CLUSTER].clear()
    # When it is re-run with --repeat-effects
    again = cadctl(
        env, "rerun", "Q1", "--reason", "lifted by mistake", "--repeat-effects", "--json"
    )
    # Then the limited support and the note are applied again
    assert again.returncode == 0, again.stderr
    shown = json.loads(again.stdout)
    assert (shown["trigger"], shown["repeat_effects"]) == ("rerun", True)
    assert shown["requested_by"]  # CAD_REQUESTED_BY, $USER or the OS user
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    assert len(sandbox.pagerduty.incident("Q1").notes) == notes + 1


def test_an_operators_run_in_progress_is_not_taken_for_a_dead_workers(store: Store) -> None:
    # Given `cadctl investigate` running on an incident, recorded in the store
    asked = RunRequest(trigger="investigate", reason="page missed", requested_by="gus")
    mine = store.history.start(delivery_id=None, incident_id="Q1", request=asked)
    # When a worker claims a delivery of the incident, and a server starts
    stored(store)
    if not store.is_sqlite:  # the job queue's claim
        assert store.deliveries.claim_incident("Q1", "w-0") is not None
    store.deliveries.requeue_unfinished()
    # Then the operator's run is still running
    record = store.history.run(mine)
    assert record is not None
    assert record.status == "running"


def kept(event_id: str | None = "evt-Q1") -> KeptPayload:
    payload = json.dumps({"event": {"id": event_id, "data": {"id": "Q1"}}})
    return KeptPayload(
        incident_id="Q1", event_id=event_id, event_type="incident.triggered", payload=payload
    )


def test_an_operators_payload_is_kept_finished_once_per_event_id_and_can_be_rerun(
    store: Store,
) -> None:
    # Given `cadctl investigate` keeping its payload for its run, twice, and the webhook too
    asked = RunRequest(trigger="investigate", reason="page missed", requested_by="gus")
    run = store.history.start(delivery_id=None, incident_id="Q1", request=asked)
    first, created = store.deliveries.keep(kept(), run_id=run)
    again, created_again = store.deliveries.keep(kept(), run_id=run + 1)
    webhook, webhook_created = store.deliveries.add(
        webhook_id="wh-1", event_id="evt-Q1", incident_id="Q1",
        event_type="incident.triggered", payload=kept().payload, queued=True,
    )  # fmt: skip
    # Then one delivery holds it, finished with its run, and no worker takes it
    assert (created, created_again, webhook_created) == (True, False, False)
    assert again == webhook == first
    assert store.deliveries.counts() == {"done": 1}
    assert store.deliveries.ended(first) == ("done", run, None)
    assert store.deliveries.claim("w-0") is None
    # And a payload without an event id is kept each time
    assert store.deliveries.keep(kept(None), run_id=run)[1] is True
    # And a re-run copies it
    rerun = store.deliveries.add_rerun("Q1", ASKED)
    taken = store.deliveries.claim("w-0")
    assert taken is not None
    assert (taken.id, taken.request) == (rerun, ASKED)
    assert json.loads(taken.payload)["event"]["data"]["id"] == "Q1"


def test_cadctl_rerun_runs_again_what_cadctl_investigate_ran_and_repeats_no_effect(
    sandbox: Sandbox, start: Start, tmp_path: Path
) -> None:
    # Given an incident an operator investigated with the service's store (no webhook), on
    # the wall clock as cadctl runs (no frozen world time)
    sandbox.seed(WorldSpec.model_validate({"clusters": [{"id": CLUSTER, "aws": STOPPED}]}))
    sandbox.create_incident(
        "Q1", "ClusterHasGoneMissing CRITICAL (1)", alerts=[{"cluster_id": CLUSTER}]
    )
    service, _ = start()
    env = {**CLEAN_ENV, **sandbox.environment(), "CAD_LOG_LEVEL": "error"}
    env["CAD_DATABASE_URL"] = service.store.url
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(sandbox.pagerduty.webhook_payload("Q1")))
    done = cadctl(env, "investigate", "-p", str(payload), "--reason", "page missed")
    assert done.returncode == 0, done.stderr
    notes = len(sandbox.pagerduty.incident("Q1").notes)
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    # When it is re-run
    again = cadctl(env, "rerun", "Q1", "--reason", "after the fix", "--requested-by", "hal")
    # Then the re-run ran on its payload, repeated nothing, and says who asked and why
    assert again.returncode == 0, again.stderr
    assert "rerun by hal: after the fix" in again.stdout
    assert len(sandbox.ocm.limited_support_reasons(CLUSTER)) == 1
    assert len(sandbox.pagerduty.incident("Q1").notes) == notes
    rerun, first = wait_for_runs(service, 2)
    assert (first.trigger, rerun.trigger, rerun.reason) == ("investigate", "rerun", "after the fix")
    assert rerun.incident_id == "Q1"
    assert [a for a in rerun.actions if a.outcome == "succeeded"] == []
