"""The action vocabulary: type strings, lanes, validation, JSON round trip, dedupe keys."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from cad.actions import (
    Action,
    AnnotateObject,
    BackplaneReport,
    CollectMustGather,
    Lane,
    LimitedSupport,
    MoveToOrgPolicy,
    NoteWriter,
    PagerDutyNote,
    ServiceLog,
    TitleUpdate,
    action_classes,
    action_from_json,
    action_to_json,
    actions_from_json,
    actions_to_json,
    escalate,
    limited_support,
    note,
    note_and_report_from,
    note_from,
    service_log,
    silence,
    title_prefix,
)


def one_of_each() -> list[Action]:
    notes = NoteWriter("chgm")
    notes.warning("Customer stopped instances.")
    return [
        service_log("Major", "Action required", "Fix it", internal_only=True, reason="why"),
        limited_support("Cluster is in Limited Support", "Details", "StoppedInstances"),
        note("plain text"),
        note_from(notes),
        silence("handled"),
        escalate("needs a human"),
        title_prefix(),
        BackplaneReport(
            cluster_id="c1", summary="chgm", data="x", created_at=datetime(2026, 1, 1, tzinfo=UTC)
        ),
        AnnotateObject(
            kind="HostedCluster",
            name="hc",
            namespace="ns",
            annotations={"a/b": "c"},
            management_cluster=True,
        ),
        MoveToOrgPolicy(organization_id="org-1", organization="Alpha", policy="PALPHA"),
        CollectMustGather(
            image="registry.redhat.io/multicluster-engine/must-gather-rhel9:v2.8",
            gather_command="/usr/bin/gather hosted-cluster-namespace=ns hosted-cluster-name=hc",
            management_cluster=True,
            wait_for_others=True,
            product="ROSA HCP",
        ),
    ]


def test_action_types_keep_the_original_stable_type_strings() -> None:
    types = {
        cls.model_fields["type"].default
        for cls in action_classes()
        if cls.__module__.startswith("cad.")
    }
    assert types == {
        "service_log",
        "limited_support",
        "pagerduty_note",
        "silence_incident",
        "escalate_incident",
        "pagerduty_title_update",
        "backplane_report",
        "sftp_upload",
        "annotate_object",
        "move_to_org_policy",
        "run_job",
        "etcd_snapshot",
        "collect_must_gather",
    }


@pytest.mark.parametrize("cls", action_classes(), ids=lambda c: c.__name__)
def test_every_action_type_has_a_lane(cls: type[Action]) -> None:
    assert isinstance(cls.lane, Lane)


@pytest.mark.parametrize("action", one_of_each(), ids=lambda a: a.action_type)
def test_every_action_round_trips_through_json(action: Action) -> None:
    back = action_from_json(action_to_json(action))
    assert back == action
    assert type(back) is type(action)
    assert back.dedupe_key() == action.dedupe_key()


def test_a_list_of_actions_round_trips_through_json_in_order() -> None:
    actions = one_of_each()
    assert actions_from_json(actions_to_json(actions)) == actions


def test_actions_are_immutable_and_keyword_only() -> None:
    action = silence("x")
    with pytest.raises(Exception, match="frozen"):
        action.reason = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ServiceLog("Major", "summary")  # type: ignore[misc]


def test_dedupe_keys_are_stable_across_processes() -> None:
    action = limited_support("summary", "details", "CCAM")
    code = (
        "from cad.actions import limited_support;"
        "print(limited_support('summary', 'details', 'CCAM').dedupe_key())"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert other == action.dedupe_key()
    assert other.startswith("limited_support:")


def test_dedupe_keys_differ_for_different_effects_and_ignore_report_times() -> None:
    assert (
        service_log("Major", "s", "a").dedupe_key() != service_log("Major", "s", "b").dedupe_key()
    )
    early = BackplaneReport(cluster_id="c", summary="s", data="d", created_at=datetime(2026, 1, 1))
    late = BackplaneReport(cluster_id="c", summary="s", data="d", created_at=datetime(2026, 2, 1))
    assert early.dedupe_key() == late.dedupe_key()


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        (service_log("Major", " "), "summary is empty"),
        (service_log("", "summary"), "severity '' is not one of"),
        (service_log("Severe", "summary"), "severity 'Severe' is not one of"),
        (LimitedSupport(summary="s", details=""), "details are empty"),
        (LimitedSupport(summary="", details="d"), "summary is empty"),
        (note("  "), "note content is empty"),
        (TitleUpdate(prefix=""), "title prefix is empty"),
        (BackplaneReport(cluster_id="", summary="s", data="d"), "cluster id is empty"),
        (BackplaneReport(cluster_id="c", summary="s", data=""), "data is empty"),
    ],
)
def test_invalid_actions_name_their_problem(action: Action, problem: str) -> None:
    assert any(problem in p for p in action.problems()), action.problems()


@pytest.mark.parametrize("severity", ["Info", "Warning", "Major", "Critical"])
def test_service_logs_accept_the_four_documented_severities(severity: str) -> None:
    assert service_log(severity, "summary").problems() == []


def test_a_note_from_an_empty_note_writer_is_valid() -> None:
    assert note_from(NoteWriter("x")).problems() == []


def test_note_and_report_from_snapshots_the_report_but_renders_the_note_later() -> None:
    notes = NoteWriter("chgm")
    notes.success("Customer did not stop nodes.")
    report, later = note_and_report_from(
        notes, "c1", "chgm", now=datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    )
    notes.automation("Sent SL: 'x'")
    assert isinstance(report, BackplaneReport)
    assert "Sent SL" not in report.data
    assert isinstance(later, PagerDutyNote)
    assert "Sent SL: 'x'" in later.render([])
    assert report.stored_summary() == "2026-11-29T10:00:00Z : chgm"
