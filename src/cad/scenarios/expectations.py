"""Checking a scenario's expectations against what the run did and what the simulators hold."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import Any

from cad.controller.outcome import RunOutcome
from cad.executor.report import ActionRecord, Outcome
from cad.scenarios.model import ActionExpectation, Expectations, ObjectExpectation
from cad.simulators.sandbox import Sandbox

__all__ = ["Check", "RunTrace", "check_expectations"]


@dataclass(frozen=True)
class Check:
    """One expectation: what was expected, what happened."""

    name: str
    passed: bool
    expected: str
    actual: str

    @classmethod
    def equal(cls, name: str, expected: object, actual: object) -> Check:
        """Passes when ``actual == expected``."""
        return cls(name, actual == expected, str(expected), str(actual))


@dataclass
class RunTrace:
    """Everything the runs of one scenario did (several deliveries append)."""

    outcomes: list[RunOutcome]

    def actions(self) -> list[tuple[str, ActionRecord]]:
        """``(investigation, record)`` for every action of every delivery, in order."""
        found = []
        for outcome in self.outcomes:
            for step in outcome.chain:
                found += [(step.investigation, record) for record in step.actions]
            found += [("controller", record) for record in outcome.extra_actions]
        return found


def _matches(wanted: ActionExpectation, investigation: str, record: ActionRecord) -> bool:
    if record.type != wanted.type:
        return False
    if wanted.outcome is not None and record.outcome.value != wanted.outcome:
        return False
    if wanted.summary is not None and record.content.get("summary") != wanted.summary:
        return False
    if wanted.origin is not None and record.origin != wanted.origin:
        return False
    if wanted.investigation is not None and investigation != wanted.investigation:
        return False
    text = (record.preview or "") + json.dumps(record.content, ensure_ascii=False)
    return all(fragment in text for fragment in wanted.contains) and not any(
        fragment in text for fragment in wanted.excludes
    )


def _describe(wanted: ActionExpectation) -> str:
    fields = wanted.model_dump(exclude_defaults=True)
    return ", ".join(f"{k}={v!r}" for k, v in fields.items())


def _action_checks(expect: Expectations, trace: RunTrace) -> list[Check]:
    actions = trace.actions()
    seen = ", ".join(f"{r.type}:{r.outcome.value}" for _, r in actions) or "(none)"
    checks, position = [], 0
    for wanted in expect.actions:
        found = next(
            (i for i in range(position, len(actions)) if _matches(wanted, *actions[i])), None
        )
        checks.append(
            Check(f"action {_describe(wanted)}", found is not None, "present, in order", seen)
        )
        if found is not None:
            position = found + 1
    for kind in expect.absent:
        applied = [r for _, r in actions if r.type == kind and r.outcome is Outcome.SUCCEEDED]
        checks.append(
            Check(f"absent {kind}", not applied, "no succeeded action", f"{len(applied)} succeeded")
        )
    return checks


def _pagerduty_checks(
    expect: Expectations, sandbox: Sandbox, incident_id: str | None
) -> list[Check]:
    wanted = expect.pagerduty
    if incident_id is None or incident_id not in sandbox.pagerduty.incidents:
        return []
    incident = sandbox.pagerduty.incident(incident_id)
    notes = [n["content"] for n in incident.notes]
    joined = "\n".join(notes)
    checks = [
        Check(f"note contains {text!r}", text in joined, "present", f"{len(notes)} note(s)")
        for text in wanted.notes_contain
    ]
    if wanted.notes_count is not None:
        checks.append(Check.equal("notes count", wanted.notes_count, len(notes)))
    if wanted.escalation_policy is not None:
        policy = incident.escalation_policy_id
        actual = "silent" if policy == sandbox.pagerduty.silent_policy_id else "original"
        if wanted.escalation_policy not in ("silent", "original"):
            actual = policy
        checks.append(Check.equal("escalation policy", wanted.escalation_policy, actual))
    if wanted.escalation_level is not None:
        checks.append(
            Check.equal("escalation level", wanted.escalation_level, incident.escalation_level)
        )
    if wanted.title_startswith is not None:
        checks.append(
            Check(
                "title",
                incident.title.startswith(wanted.title_startswith),
                f"starts with {wanted.title_startswith!r}",
                incident.title,
            )
        )
    return checks


def _ocm_checks(expect: Expectations, sandbox: Sandbox, cluster_id: str | None) -> list[Check]:
    checks = []
    wanted = expect.ocm
    if wanted.limited_support_reasons is not None and cluster_id is not None:
        count = len(sandbox.ocm.limited_support_reasons(cluster_id))
        checks.append(Check.equal("limited-support reasons", wanted.limited_support_reasons, count))
    if wanted.service_logs_sent is not None:
        sent = len(sandbox.ocm.service_logs_posted())
        checks.append(Check.equal("service logs sent", wanted.service_logs_sent, sent))
    return checks


_VERBS = {"created": "POST", "patched": "PATCH", "deleted": "DELETE"}


def _touched(wanted: ObjectExpectation, role: str, write: dict[str, Any]) -> bool:
    return (
        role == wanted.api
        and write["kind"] == wanted.kind
        and fnmatchcase(write["name"], wanted.name)
        and fnmatchcase(write["namespace"], wanted.namespace)
    )


def _kubernetes_checks(expect: Expectations, sandbox: Sandbox) -> list[Check]:
    wanted = expect.kubernetes
    writes = sandbox.kube_writes()
    seen = (
        ", ".join(
            f"{w['method']} {w['kind']} {w['namespace']}/{w['name']} ({role})" for role, w in writes
        )
        or "(none)"
    )
    checks = []
    if wanted.writes is not None:
        checks.append(
            Check("kubernetes writes", len(writes) == wanted.writes, str(wanted.writes), seen)
        )
    for verb, method in _VERBS.items():
        for obj in getattr(wanted, verb):
            found = any(w["method"] == method and _touched(obj, role, w) for role, w in writes)
            label = f"{obj.kind} {obj.namespace}/{obj.name} on the {obj.api} API"
            checks.append(Check(f"kubernetes {verb} {label}", found, verb, seen))
    return checks


def _sftp_checks(expect: Expectations, sandbox: Sandbox) -> list[Check]:
    wanted = expect.sftp
    names = [PurePosixPath(upload.path).name for upload in sandbox.sftp.uploads]
    seen = ", ".join(names) or "(none)"
    checks = []
    if wanted.uploads is not None:
        checks.append(
            Check("sftp uploads", len(names) == wanted.uploads, str(wanted.uploads), seen)
        )
    checks += [
        Check(
            f"sftp file {pattern!r}", any(fnmatchcase(n, pattern) for n in names), "uploaded", seen
        )
        for pattern in wanted.files
    ]
    return checks


def check_expectations(
    expect: Expectations,
    trace: RunTrace,
    sandbox: Sandbox,
    *,
    incident_id: str | None,
    cluster_id: str | None,
) -> list[Check]:
    """Every check of the expectations."""
    last = trace.outcomes[-1]
    checks = []
    if expect.exit_code is not None:
        checks.append(Check.equal("exit code", expect.exit_code, last.exit_code))
    if expect.investigations is not None:
        ran = [s.investigation for s in last.chain if s.outcome != "filtered"]
        checks.append(Check.equal("investigations", expect.investigations, ran))
    checks += _action_checks(expect, trace)
    checks += _pagerduty_checks(expect, sandbox, incident_id)
    checks += _ocm_checks(expect, sandbox, cluster_id)
    checks += _kubernetes_checks(expect, sandbox)
    checks += _sftp_checks(expect, sandbox)
    errors = "\n".join(last.errors)
    checks += [
        Check(f"error contains {text!r}", text in errors, "present", errors or "(no error)")
        for text in expect.errors_contain
    ]
    return checks
