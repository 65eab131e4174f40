"""chgm's decisions, as pure functions: who may stop instances, what a CloudTrail record
says, which event explains which instance, node counts, hibernation."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cad.clients.models import CloudTrailEvent, Instance
from cad.investigations.framework.errors import InvestigationError

__all__ = [
    "EGRESS_LS_DETAILS",
    "EGRESS_SL_SUMMARY",
    "HIBERNATION_WARNING",
    "LS_SUMMARY",
    "RECENT_WAKEUP",
    "STOPPED_LS_DETAILS",
    "CloudTrailRecordError",
    "EventMatch",
    "ExpectedCounts",
    "HibernationPeriod",
    "RunningCounts",
    "count_running",
    "egress_service_log_description",
    "expected_counts",
    "hibernation_periods",
    "is_user_allowed_to_stop",
    "issuer_of",
    "match_events",
    "recently_resumed",
]

LS_SUMMARY = "Cluster is in Limited Support due to unsupported cloud provider configuration"
STOPPED_LS_DETAILS = (
    "Your cluster is no longer checking in with Red Hat OpenShift Cluster Manager due to "
    "stopped or terminated instances. If the instances were stopped, please restart them, as "
    "stopping instances is not supported. If you intended to terminate the cluster, please "
    "delete it in the Red Hat console"
)
EGRESS_LS_DETAILS = (
    "Action required: Network configuration changes detected that block required internet "
    "egress, impacting cluster operation and support. Please revert these changes. For "
    "firewall requirements for PrivateLink clusters and troubleshooting help, see: "
    "https://access.redhat.com/articles/7128431"
)
EGRESS_SL_SUMMARY = "Action required: Network misconfiguration"
RECENT_WAKEUP = timedelta(hours=2)
HIBERNATION_WARNING = (
    "Cluster has resumed from hibernation within the last {hours:.0f} hours - investigate CSRs "
    "and kubelet certificates: see "
    "https://github.com/openshift/ops-sop/blob/master/v4/alerts/cluster_has_gone_missing.md#24-hibernation"
)

# Users (event Username) and roles (session issuer) that are SRE or cluster automation.
ALLOWED_USERS = ("openshift-machine-api-aws", "osdCcsAdmin", "osdManagedAdmin", "RH-SRE-")
ALLOWED_ROLES = (
    "openshift-machine-api-aws",
    "-Installer-Role",
    "-Support-Role",
    "ManagedOpenShift-Support-",
)
# SRE's role on non-CCS clusters; the customer's own on CCS clusters.
NON_CCS_ROLE = "OrganizationAccountAccessRole"


def egress_service_log_description(blocked: str, doc_link: str) -> str:
    """The egress service log's text, with the product's PrivateLink firewall link."""
    return (
        "Your cluster requires you to take action. SRE has observed that there have been changes "
        "made to the network configuration which impacts normal working of the cluster, "
        "including lack of network egress to these internet-based resources which are required "
        f"for the cluster operation and support: {blocked}. Please revert changes, and refer to "
        f"documentation regarding firewall requirements for PrivateLink clusters: {doc_link}."
    )


def is_user_allowed_to_stop(username: str, issuer: str, ccs: bool) -> bool:
    """Whether the user (or the role it assumed) is SRE or cluster automation."""
    if any(allowed in username for allowed in ALLOWED_USERS):
        return True
    roles = ALLOWED_ROLES if ccs else (*ALLOWED_ROLES, NON_CCS_ROLE)
    return any(allowed in issuer for allowed in roles)


class CloudTrailRecordError(InvestigationError):
    """A CloudTrail record CAD cannot read (not JSON, or an unsupported event version)."""


_VERSION = re.compile(r"^\s*(\d+)\.(\d+)")


def issuer_of(record: str) -> str:
    """The session issuer's user name in a CloudTrail record ("" when there is none).

    The record must be JSON with ``eventVersion`` major 1 and minor 8 or more (AWS advises
    equal major and greater-or-equal minor).
    """
    if not record.strip():
        raise CloudTrailRecordError("the CloudTrail event record is empty")
    try:
        data = json.loads(record)
    except json.JSONDecodeError as exc:
        raise CloudTrailRecordError(f"the CloudTrail event record is not JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise CloudTrailRecordError("the CloudTrail event record is not a JSON object")
    match = _VERSION.match(str(data.get("eventVersion", "")))
    if not match:
        raise CloudTrailRecordError(
            f"cannot read the CloudTrail event version {data.get('eventVersion')!r}"
        )
    major, minor = int(match.group(1)), int(match.group(2))
    if major != 1 or minor < 8:
        raise CloudTrailRecordError(
            f"unexpected event version (got {match.group(0).strip()}, "
            "expected compatibility with 1.8)"
        )
    identity = data.get("userIdentity") or {}
    context = identity.get("sessionContext") or {} if isinstance(identity, dict) else {}
    issuer = context.get("sessionIssuer") or {} if isinstance(context, dict) else {}
    name = issuer.get("userName", "") if isinstance(issuer, dict) else ""
    return name if isinstance(name, str) else ""


@dataclass(frozen=True)
class RunningCounts:
    """Running instances by role, from their Name tags."""

    master: int = 0
    infra: int = 0
    worker: int = 0


def count_running(names: Iterable[str]) -> RunningCounts:
    """Count masters, infras and workers by the substring of their Name tag."""
    master = infra = worker = 0
    for name in names:
        if "master" in name:
            master += 1
        elif "infra" in name:
            infra += 1
        elif "worker" in name:
            worker += 1
    return RunningCounts(master, infra, worker)


@dataclass(frozen=True)
class ExpectedCounts:
    """Nodes the cluster should have, from OCM."""

    master: int
    infra: int
    min_worker: int
    max_worker: int


def expected_counts(
    master: int | None,
    infra: int | None,
    pools: Sequence[tuple[int | None, int | None, int | None]],
) -> ExpectedCounts:
    """Expected nodes from the cluster's node counts and its pools' ``(replicas, min, max)``;
    ``ValueError`` naming what is missing."""
    if master is None or infra is None:
        raise ValueError("the cluster has no master or infra node count")
    low = high = 0
    for replicas, minimum, maximum in pools:
        if replicas is not None:
            low, high = low + replicas, high + replicas
        elif minimum is not None and maximum is not None:
            low, high = low + minimum, high + maximum
        else:
            raise ValueError("a machine pool has neither replicas nor an autoscaling range")
    return ExpectedCounts(master, infra, low, high)


@dataclass
class EventMatch:
    """Which stop/terminate event explains which non-running instance."""

    pairs: list[tuple[Instance, CloudTrailEvent]] = field(default_factory=list)
    before_window: list[Instance] = field(default_factory=list)
    unexplained: list[Instance] = field(default_factory=list)


def match_events(
    instances: Sequence[Instance],
    events: Sequence[CloudTrailEvent],
    window_start: datetime,
    tolerance: timedelta = timedelta(minutes=5),
) -> EventMatch:
    """Pair each instance with its newest event. An instance stopped before the lookback
    window cannot have one; an instance whose newest event is older than its stop time (less
    ``tolerance``: the API call precedes the recorded transition by seconds) is unexplained."""
    match = EventMatch()
    for instance in instances:
        stopped = instance.stopped_at
        if stopped is not None and stopped < window_start:
            match.before_window.append(instance)
            continue
        candidates = [e for e in events if instance.id in e.resource_names]
        newest = max(candidates, key=lambda e: e.event_time, default=None)
        if newest is None or (stopped is not None and newest.event_time < stopped - tolerance):
            match.unexplained.append(instance)
        else:
            match.pairs.append((instance, newest))
    return match


@dataclass(frozen=True)
class HibernationPeriod:
    """From hibernation to the following resume."""

    hibernated_at: datetime
    resumed_at: datetime


def hibernation_periods(entries: Iterable[tuple[str, datetime]]) -> list[HibernationPeriod]:
    """Periods from ``cluster_state_hibernating`` to the next ``cluster_state_ready`` service
    log (a ready without a preceding hibernation is ignored), oldest first."""
    periods: list[HibernationPeriod] = []
    started: datetime | None = None
    for summary, when in sorted(entries, key=lambda entry: entry[1]):
        if summary == "cluster_state_hibernating" and started is None:
            started = when
        elif summary == "cluster_state_ready" and started is not None:
            periods.append(HibernationPeriod(started, when))
            started = None
    return periods


def recently_resumed(
    periods: Sequence[HibernationPeriod], now: datetime, within: timedelta = RECENT_WAKEUP
) -> bool:
    """Whether the latest resume was at most ``within`` ago."""
    return bool(periods) and now - periods[-1].resumed_at <= within
