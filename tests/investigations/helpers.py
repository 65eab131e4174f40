"""Shared helpers for investigation tests."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from cad.actions import Action, PagerDutyNote
from cad.clients.models import CloudTrailEvent, Instance
from cad.investigations.framework.base import Result
from cad.testing.readers import NOW, FakeWorld, cluster

# The original's registry order (pkg/investigations/registry.go), less the ones not ported.
ORIGINAL_ORDER = [
    "precheck",
    "ccam",
    "aiassisted",
    "chgm",
    "clustermonitoringerrorbudgetburn",
    "cpd",
    "etcddatabasequotalowspace",
    "insightsoperatordown",
    "upgradeconfigsyncfailureover4hr",
    "machinehealthcheckunterminatedshortcircuitsre",
    "ocmagentresponsefailure",
    "restartcontrolplane",
    "cannotretrieveupdatessre",
    "mustgather",
    "describenodes",
    "clusterhealthcheck",
    "consoleerrorbudgetburn",
    "expiredcertificates",
    "pdbblockingnodedrain",
]
LS_FLOW = ["backplane_report", "pagerduty_note", "limited_support", "silence_incident"]
ESCALATE_FLOW = ["backplane_report", "pagerduty_note", "escalate_incident"]


def types(result: Result) -> list[str]:
    return [a.action_type for a in result.actions]


def note_text(result: Result) -> str:
    notes = [a for a in result.actions if isinstance(a, PagerDutyNote)]
    return "\n".join(n.render([]) for n in notes)


def of_type(result: Result, action_type: str) -> Action:
    return next(a for a in result.actions if a.action_type == action_type)


def record(version: str = "1.08", issuer: str | None = None, identity: Any = "default") -> str:
    data: dict[str, Any] = {"eventVersion": version}
    if identity == "default":
        data["userIdentity"] = {"type": "AssumedRole"}
        if issuer is not None:
            data["userIdentity"]["sessionContext"] = {
                "sessionIssuer": {"type": "Role", "userName": issuer}
            }
    elif identity is not None:
        data["userIdentity"] = identity
    return json.dumps(data)


def stopped_world(
    *,
    username: str = "654321",
    raw: str | None = None,
    issuer: str | None = None,
    ccs: bool = False,
    events: bool = True,
    stopped_minutes_ago: float = 40,
) -> FakeWorld:
    """A cluster with one stopped worker and (by default) the event that stopped it."""
    world = FakeWorld(cluster=cluster(ccs=ccs))
    stopped = NOW - timedelta(minutes=stopped_minutes_ago)
    world.non_running = [
        Instance(
            id="i-1",
            state="stopped",
            name="my-cluster-x7k2p-worker-0",
            state_transition_reason=f"User initiated ({stopped:%Y-%m-%d %H:%M:%S} GMT)",
        )
    ]
    world.running = [
        Instance(id=f"i-m{n}", state="running", name=f"my-cluster-x7k2p-master-{n}")
        for n in range(3)
    ]
    if events:
        world.events = [
            CloudTrailEvent(
                event_id="e1",
                event_name="StopInstances",
                event_time=stopped + timedelta(minutes=1),
                username=username,
                resource_names=["i-1"],
                cloudtrail_event=raw if raw is not None else record(issuer=issuer),
            )
        ]
    return world
