"""Validation first; phase 1 (OCM, backplane) before phase 2 (PagerDuty, in order)."""

from __future__ import annotations

import pytest

from cad.actions import (
    MoveToOrgPolicy,
    NoteWriter,
    action_classes,
    escalate,
    limited_support,
    note,
    note_and_report_from,
    service_log,
    silence,
    title_prefix,
)
from cad.errors import ActionValidationError
from cad.executor import Executor, Outcome
from cad.testing import FakeOcm, FakePagerDuty, Journal

from .conftest import CLUSTER, INCIDENT, ContextFactory


def test_an_invalid_action_stops_the_whole_batch_before_anything_runs(
    executor: Executor, context: ContextFactory, journal: Journal
) -> None:
    actions = [limited_support("LS", "details"), note("fine"), service_log("Severe", "summary")]
    with pytest.raises(ActionValidationError) as caught:
        executor.execute(actions, context())
    assert caught.value.index == 2
    assert caught.value.action_type == "service_log"
    assert "severity 'Severe'" in caught.value.reason
    assert "action 2 (service_log)" in str(caught.value)
    assert journal.calls == []


def test_pagerduty_actions_run_after_every_ocm_and_backplane_action_in_their_own_order(
    executor: Executor, context: ContextFactory, journal: Journal
) -> None:
    notes = NoteWriter("chgm")
    actions = [
        note("first"),
        *note_and_report_from(notes, CLUSTER.id, "chgm"),
        limited_support("LS", "details"),
        escalate("second"),
        service_log("Major", "SL", "d"),
    ]
    executor.execute(actions, context())
    writes = journal.names(writes_only=True)
    last_phase_one = max(i for i, n in enumerate(writes) if n.startswith(("ocm.", "backplane.")))
    first_pagerduty = min(i for i, n in enumerate(writes) if n.startswith("pagerduty."))
    assert last_phase_one < first_pagerduty
    assert [n for n in writes if n.startswith("pagerduty.")] == [
        "pagerduty.add_note",
        "pagerduty.add_note",
        "pagerduty.escalate",
    ]


def test_a_note_writer_note_is_rendered_after_phase_one_with_what_it_did(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    notes = NoteWriter("chgm")
    notes.warning("Customer stopped instances.")
    actions = [
        *note_and_report_from(notes, CLUSTER.id, "chgm"),
        limited_support("Cluster is in Limited Support", "details", "StoppedInstances"),
        service_log("Major", "Action required", "do this"),
        silence("Customer stopped instances."),
    ]
    executor.execute(actions, context())
    [content] = pagerduty.incidents[INCIDENT.id].notes
    assert content.startswith("🤖 Automated chgm pre-investigation 🤖")
    assert "⚠️ Customer stopped instances." in content
    assert "🤖 Sent LS: 'Cluster is in Limited Support'" in content
    assert "🤖 Sent SL: 'Action required'" in content
    assert "osdctl cluster reports get --cluster-id c1 --report-id report-1" in content


def test_phase_one_actions_run_concurrently(context: ContextFactory) -> None:
    journal = Journal()
    slow = FakeOcm(journal, latency_s=0.05)
    ctx = context()
    ctx = type(ctx)(investigation="x", cluster=CLUSTER, clients=type(ctx.clients)(ocm=slow))
    with Executor() as executor:
        executor.execute([limited_support(f"LS {i}", "d") for i in range(6)], ctx)
    assert journal.max_overlap() >= 3


def test_every_action_type_is_executed_none_is_dropped(
    executor: Executor, context: ContextFactory, journal: Journal
) -> None:
    notes = NoteWriter("all")
    notes.success("ok")
    actions = [
        service_log("Info", "SL"),
        limited_support("LS", "d"),
        MoveToOrgPolicy(organization_id="org-1", policy="PORG"),
        *note_and_report_from(notes, CLUSTER.id, "all"),
        title_prefix(),
        escalate("why"),
    ]
    report = executor.execute([*actions, silence("s")], context())
    executed_types = {r.type for r in report.records if r.outcome is Outcome.SUCCEEDED}
    all_types = {
        cls.model_fields["type"].default
        for cls in action_classes()
        if cls.__module__.startswith("cad.")
    }
    # silence and escalation do not both apply; here the incident is escalated first. An
    # upload needs an SFTP server (tests/executor/test_sftp_upload.py executes it), an
    # annotation or a Job a Kubernetes API (tests/actions/test_annotate_object.py,
    # test_run_job.py, test_etcd_snapshot.py), a must-gather both
    # (tests/executor/test_collect_must_gather.py).
    expected_elsewhere = {
        "silence_incident",
        "sftp_upload",
        "annotate_object",
        "run_job",
        "etcd_snapshot",
        "collect_must_gather",
    }
    assert executed_types | expected_elsewhere == all_types
    assert "pagerduty.update_title" in journal.names(writes_only=True)
