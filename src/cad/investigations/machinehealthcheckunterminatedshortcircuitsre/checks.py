"""Decisions: one recommendation per affected machine or node, and the summary that groups
them. Pure: the investigation reads the cluster and hands the objects in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from cad.investigations.framework.gotext import go_duration
from cad.investigations.machinehealthcheckunterminatedshortcircuitsre.models import (
    Machine,
    MachineHealthCheck,
    Node,
    Taint,
)

__all__ = [
    "MACHINE_NAMESPACE",
    "Action",
    "Recommendation",
    "Recommendations",
    "deleting_machine_recommendation",
    "failing_machine_recommendation",
    "go_duration",
    "is_failed",
    "machine_role",
    "node_recommendation",
    "node_roles",
    "remediation_allowed",
    "stuck_drain",
]

MACHINE_NAMESPACE = "openshift-machine-api"
MACHINE_ROLE_LABEL = "machine.openshift.io/cluster-api-machine-role"
WORKER_ROLE = "worker"
NODE_ROLE_LABEL_PREFIX = "node-role.kubernetes.io"
STUCK_DRAIN_AFTER = timedelta(minutes=10)


class Action(Enum):
    """What CAD recommends; the value is the group's header in the note. The summary lists
    the groups in this order, whatever order the machines were found in."""

    DELETE_MACHINE = "delete the following machines"
    INVESTIGATE_MACHINE = "investigate the following machines"
    QUOTA_SERVICE_LOG = "send a service log regarding quota issues for the following machines"
    INVESTIGATE_NODE = "investigate the following nodes"


@dataclass(frozen=True)
class Recommendation:
    """One object (machine or node name), what to do about it, and why."""

    action: Action
    object: str
    notes: str

    def __str__(self) -> str:
        return f'"{self.object}": {self.notes}'


@dataclass
class Recommendations:
    """The recommendations of one run, in the order they were made."""

    items: list[Recommendation] = field(default_factory=list)

    def add(self, recommendation: Recommendation) -> None:
        self.items.append(recommendation)

    def of(self, action: Action) -> list[Recommendation]:
        return [r for r in self.items if r.action is action]

    def __bool__(self) -> bool:
        return bool(self.items)

    def summarize(self) -> str:
        """The groups in :class:`Action` order; deletions end with one ``oc delete`` command
        naming every machine."""
        lines: list[str] = []
        for action in Action:
            group = self.of(action)
            if not group:
                continue
            lines.append(f"{action.value}:")
            lines += [f"- {r}" for r in group]
            if action is Action.DELETE_MACHINE:
                names = " ".join(r.object for r in group)
                lines += [
                    "to delete these machines, run:",
                    "",
                    f"oc delete machine -n {MACHINE_NAMESPACE} {names}",
                ]
            lines.append("")
        return "\n".join(lines).rstrip("\n")


def remediation_allowed(healthcheck: MachineHealthCheck) -> bool:
    """Whether the check reports ``RemediationAllowed=True`` (absent means it is failing)."""
    return any(
        c.type == "RemediationAllowed" and c.status == "True" for c in healthcheck.status.conditions
    )


def machine_role(machine: Machine) -> str | None:
    """The machine's ``cluster-api-machine-role`` label, if it has one."""
    return machine.metadata.labels.get(MACHINE_ROLE_LABEL)


def is_failed(machine: Machine) -> bool:
    """Phase ``Failed``, or an error reason set."""
    return machine.status.phase == "Failed" or machine.status.error_reason is not None


def failing_machine_recommendation(machine: Machine) -> tuple[Recommendation, str | None]:
    """What to do about a failed machine, and the error to report when its role is unknown."""
    name = machine.name
    role = machine_role(machine)
    if role is None:
        problem = f'expected label key "{MACHINE_ROLE_LABEL}" not found'
        rec = Recommendation(
            Action.INVESTIGATE_MACHINE, name, f"unable to determine machine role: {problem}"
        )
        return rec, f'failed to determine role for machine "{name}": {problem}'
    message = machine.status.error_message or ""
    if role != WORKER_ROLE:
        notes = f"Red Hat-owned machine in terminal error state with message: {message}"
        return Recommendation(Action.INVESTIGATE_MACHINE, name, notes), None
    action, notes = _by_error_reason(machine.status.error_reason or "", message)
    return Recommendation(action, name, notes), None


def _by_error_reason(reason: str, message: str) -> tuple[Action, str]:
    quoted = _go_quote(message)
    match reason:
        case "InvalidIPAddress":
            return Action.DELETE_MACHINE, (
                f"invalid IP address: {quoted}. Deleting machine may allow the cloud provider "
                "to assign a valid IP address"
            )
        case "CreateError":
            return Action.DELETE_MACHINE, (
                f"machine failed to create: {quoted}. Deleting machine may resolve any "
                "transient issues with the cloud provider"
            )
        case "InvalidConfiguration":
            return Action.INVESTIGATE_MACHINE, (
                f"the machine configuration is invalid: {quoted}. Checking splunk audit logs "
                "may indicate whether the customer has modified the machine or its machineset"
            )
        case "DeleteError":
            return Action.INVESTIGATE_MACHINE, (
                f"the machine's node could not be gracefully terminated automatically: {quoted}"
            )
        case "InsufficientResources":
            return Action.QUOTA_SERVICE_LOG, (
                "a servicelog should be sent because there is insufficient quota to provision "
                f"the machine: {quoted}"
            )
    return Action.INVESTIGATE_MACHINE, "no .Status.ErrorReason found for machine"


def _go_quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def stuck_drain(node: Node, now: datetime) -> timedelta | None:
    """How long the node has been draining, when a ``NoSchedule`` taint is older than ten
    minutes (a best-effort sign of a drain that cannot finish); taints without
    ``timeAdded`` are skipped."""
    for taint in _no_schedule_taints(node):
        if taint.time_added is None:
            continue
        draining = now - taint.time_added
        if draining > STUCK_DRAIN_AFTER:
            return draining
    return None


def _no_schedule_taints(node: Node) -> list[Taint]:
    return [t for t in node.spec.taints if t.effect == "NoSchedule"]


def deleting_machine_recommendation(
    machine: Machine, node: Node | None, now: datetime
) -> tuple[Recommendation, str | None]:
    """What to do about a machine stuck deleting (``node`` is its node, ``None`` when it
    could not be found), and the error to report when the node is missing."""
    if not machine.node_name:
        notes = "machine stuck deleting with no node"
        return Recommendation(Action.INVESTIGATE_MACHINE, machine.name, notes), None
    if node is None:
        notes = "machine's node could not be determined"
        error = (
            f'failed to retrieve node for machine "{machine.name}": '
            f'nodes "{machine.node_name}" not found'
        )
        return Recommendation(Action.INVESTIGATE_MACHINE, machine.name, notes), error
    draining = stuck_drain(node, now)
    if draining is not None:
        notes = f'node "{node.name}" found to be stuck draining for {go_duration(draining)}'
        return Recommendation(Action.INVESTIGATE_NODE, node.name, notes), None
    notes = "unable to determine why machine is stuck deleting"
    return Recommendation(Action.INVESTIGATE_MACHINE, machine.name, notes), None


def node_roles(node: Node) -> list[str]:
    """The node's role labels (keys containing ``node-role.kubernetes.io``), sorted."""
    return sorted(label for label in node.metadata.labels if NODE_ROLE_LABEL_PREFIX in label)


def node_recommendation(node: Node, now: datetime) -> Recommendation | None:
    """What to do about the node of a machine that is neither failed nor deleting; ``None``
    when the node is a Ready worker."""
    roles = node_roles(node)
    if not roles:
        notes = f'no role label containing "{NODE_ROLE_LABEL_PREFIX}" found for node'
        return Recommendation(Action.INVESTIGATE_NODE, node.name, notes)
    if any(WORKER_ROLE not in role for role in roles):
        return Recommendation(Action.INVESTIGATE_NODE, node.name, "non-worker node affected")
    ready = next((c for c in node.status.conditions if c.type == "Ready"), None)
    if ready is None:
        notes = "found no 'Ready' .Status.Condition for the node"
        return Recommendation(Action.INVESTIGATE_NODE, node.name, notes)
    if ready.status == "True":
        return None
    state = "NotReady" if ready.status == "False" else "Unknown"
    since = (
        go_duration(now - ready.last_heartbeat_time)
        if ready.last_heartbeat_time is not None
        else "an unknown time (no heartbeat recorded)"
    )
    notes = f"node has been in {state} state for {since}"
    return Recommendation(Action.INVESTIGATE_NODE, node.name, notes)
