"""Which nodes are stuck draining, which PodDisruptionBudgets hold them, and whether scaling
would help. Pure: every function takes parsed objects and returns data or note lines."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cad.investigations.framework.gotext import go_duration
from cad.investigations.framework.labels import SelectorError
from cad.investigations.pdbblockingnodedrain.models import (
    BlockingPdb,
    LabelSelector,
    Node,
    Pdb,
    Pod,
    ReplicaSet,
    Taint,
)

__all__ = [
    "DRAIN_STALL_THRESHOLD",
    "NO_STALLED_NODES",
    "NO_STALLED_NODES_REASON",
    "OWNER_NONE",
    "STALLED_REASON",
    "DrainingNode",
    "Line",
    "SelectorError",
    "assess_scaling",
    "blocking_pdb_lines",
    "blocking_pdbs",
    "draining_node_lines",
    "draining_nodes",
    "go_duration",
    "is_platform_namespace",
    "node_health",
    "scaling_lines",
    "selector_matches",
    "unschedulable_taint",
    "workload_owner",
]

DRAIN_STALL_THRESHOLD = timedelta(minutes=10)
OWNER_NONE = "none"
NO_STALLED_NODES = "No nodes are stalled in draining state"
NO_STALLED_NODES_REASON = "No stalled node drains detected, but alert fired: manual review required"
STALLED_REASON = "PDB blocking node drain investigation: manual review required"
_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
_PRESSURES = ("DiskPressure", "MemoryPressure", "PIDPressure")

Line = tuple[Literal["success", "warning"], str]


def _ok(text: str) -> Line:
    return ("success", text)


def _warn(text: str) -> Line:
    return ("warning", text)


_THRESHOLD = go_duration(DRAIN_STALL_THRESHOLD)


# --- draining nodes ---------------------------------------------------------------------


def unschedulable_taint(node: Node) -> Taint | None:
    """The ``node.kubernetes.io/unschedulable:NoSchedule`` taint a drain puts on a node."""
    return next(
        (t for t in node.taints if t.key == _UNSCHEDULABLE and t.effect == "NoSchedule"), None
    )


@dataclass(frozen=True)
class DrainingNode:
    """A node being drained: since when (``since_known`` False when the taint has no time
    and the node's creation time stands in for it), for how long, and whether it stalled."""

    name: str
    since: datetime
    duration: timedelta
    since_known: bool

    @property
    def stalled(self) -> bool:
        return self.duration >= DRAIN_STALL_THRESHOLD

    def detail(self) -> str:
        text = f"{self.name}: draining for {go_duration(self.duration)}"
        if not self.since_known:
            text += " (the taint has no timeAdded: counted from the node's creation)"
        return text


def draining_nodes(nodes: Iterable[Node], now: datetime) -> list[DrainingNode]:
    """Every node with the unschedulable taint, in list order."""
    draining = []
    for node in nodes:
        taint = unschedulable_taint(node)
        if taint is None:
            continue
        # No time at all (neither the taint's nor the node's): draining "since now", 0s.
        since = taint.time_added or node.created or now
        known = taint.time_added is not None or node.created is None
        draining.append(
            DrainingNode(name=node.name, since=since, duration=now - since, since_known=known)
        )
    return draining


def draining_node_lines(draining: list[DrainingNode]) -> list[Line]:
    """The original's "Draining Nodes" note lines."""
    if not draining:
        return [_ok("Draining Nodes: no nodes are currently draining")]
    stalled = [n.detail() for n in draining if n.stalled]
    recent = [n.detail() for n in draining if not n.stalled]
    lines: list[Line] = []
    if recent:
        lines.append(
            _ok(
                f"Draining Nodes: {len(recent)} node(s) draining within threshold:\n  "
                + "\n  ".join(recent),
            )
        )
    if not stalled:
        lines.append(
            _ok(
                f"Draining Nodes: {len(draining)} node(s) draining, none stalled "
                f"(all under {_THRESHOLD} threshold)"
            )
        )
        return lines
    lines.append(
        _warn(
            f"Draining Nodes: {len(stalled)}/{len(draining)} draining node(s) stalled "
            f"(>{_THRESHOLD}):\n  " + "\n  ".join(stalled),
        )
    )
    return lines


# --- node health ------------------------------------------------------------------------


def node_health(nodes: Iterable[Node]) -> tuple[list[Line], int]:
    """NotReady or pressured nodes among those not draining (evicted pods land there): the
    note line and how many are unhealthy."""
    unhealthy = []
    for node in nodes:
        if unschedulable_taint(node) is not None:
            continue
        issues = []
        for condition in node.conditions:
            if condition.type == "Ready" and condition.status != "True":
                issues.append("NotReady")
            elif condition.type in _PRESSURES and condition.status == "True":
                issues.append(condition.type)
        if issues:
            unhealthy.append(f"{node.name}: {', '.join(issues)}")
    if not unhealthy:
        return [_ok("Node Health: all non-draining nodes are Ready with no resource pressure")], 0
    text = (
        f"Node Health: {len(unhealthy)} non-draining node(s) unhealthy, evicted pods may fail "
        "to reschedule:\n  " + "\n  ".join(unhealthy)
    )
    return [_warn(text)], len(unhealthy)


# --- blocking PDBs ----------------------------------------------------------------------


def selector_matches(selector: LabelSelector | None, labels: dict[str, str]) -> bool:
    """Whether a label selector selects ``labels`` (Kubernetes semantics: no selector selects
    nothing, an empty one everything)."""
    return selector is not None and selector.matches(labels)


def workload_owner(pod: Pod, replica_set: ReplicaSet | None) -> str:
    """The pod's top-level workload as "Kind/name": a ReplicaSet's Deployment when
    ``replica_set`` (the pod's first owner, when it is one) names one."""
    if not pod.owners:
        return OWNER_NONE
    owner = pod.owners[0]
    if owner.kind != "ReplicaSet":
        return f"{owner.kind}/{owner.name}"
    for rs_owner in replica_set.owners if replica_set else ():
        if rs_owner.kind == "Deployment":
            return f"Deployment/{rs_owner.name}"
    return f"ReplicaSet/{owner.name}"


def is_platform_namespace(namespace: str) -> bool:
    """OpenShift's and Kubernetes' own namespaces: ``openshift``, ``openshift-*``, ``kube-*``."""
    return namespace.startswith(("openshift-", "kube-")) or namespace == "openshift"


def blocking_pdbs(
    pdbs: Iterable[Pdb],
    pods: Iterable[Pod],
    stalled_nodes: set[str],
    owner_of: Callable[[Pod], str],
) -> tuple[list[BlockingPdb], list[Line]]:
    """PDBs with ``disruptionsAllowed == 0`` selecting pods on stalled nodes, each pod's
    workload found with ``owner_of``; and warnings for selectors that cannot be evaluated."""
    by_namespace: dict[str, list[Pod]] = {}
    for pod in pods:
        by_namespace.setdefault(pod.namespace, []).append(pod)
    blocking: list[BlockingPdb] = []
    problems: list[Line] = []
    for pdb in pdbs:
        if pdb.disruptions_allowed != 0:
            continue
        matching, owners = [], []
        try:
            for pod in by_namespace.get(pdb.namespace, []):
                if pod.node_name in stalled_nodes and selector_matches(pdb.selector, pod.labels):
                    matching.append(pod.name)
                    owner = owner_of(pod)
                    if owner not in owners:
                        owners.append(owner)
        except SelectorError as exc:
            problems.append(
                _warn(
                    f"Blocking PDBs: failed to parse selector for {pdb.namespace}/{pdb.name}: {exc}"
                )
            )
            continue
        if matching:
            blocking.append(
                BlockingPdb(
                    namespace=pdb.namespace,
                    name=pdb.name,
                    min_available=pdb.min_available,
                    max_unavailable=pdb.max_unavailable,
                    current_healthy=pdb.current_healthy,
                    expected_pods=pdb.expected_pods,
                    matching_pods=tuple(matching),
                    owners=tuple(owners),
                    platform_managed=is_platform_namespace(pdb.namespace),
                )
            )
    return blocking, problems


def blocking_pdb_lines(blocking: list[BlockingPdb]) -> list[Line]:
    """The original's "Blocking PDBs" and "Remediation" note lines, customer PDBs first."""
    if not blocking:
        return [_ok("Blocking PDBs: no PDBs with disruptionsAllowed=0 have pods on stalled nodes")]
    customer = [_detail(b) for b in blocking if not b.platform_managed]
    platform = [_detail(b) for b in blocking if b.platform_managed]
    lines: list[Line] = [
        _warn(
            f"Blocking PDBs: {len(blocking)} PDB(s) with disruptionsAllowed=0 affecting pods on "
            "stalled nodes:\n  " + "\n  ".join(customer + platform),
        )
    ]
    if customer:
        lines.append(
            _warn(
                f"Remediation: {len(customer)} customer-managed PDB(s): customer should relax "
                "the PDB or scale the workload to allow disruptions"
            )
        )
    if platform:
        lines.append(
            _warn(
                f"Remediation: {len(platform)} platform-managed PDB(s): check node health or "
                "escalate to engineering if you suspect a bug that is blocking upgrades"
            )
        )
    return lines


def _detail(pdb: BlockingPdb) -> str:
    managed_by = "platform" if pdb.platform_managed else "customer"
    return (
        f"{pdb.namespace}/{pdb.name} [{managed_by}] ({pdb.constraint()}, healthy: "
        f"{pdb.current_healthy}/{pdb.expected_pods})\n    Owner: {', '.join(pdb.owners)}\n"
        f"    Pods on draining nodes: {', '.join(pdb.matching_pods)}"
    )


# --- scaling ----------------------------------------------------------------------------


def assess_scaling(pdb: BlockingPdb) -> tuple[str, bool]:
    """Whether scaling the workload up would unblock the drain without changing the PDB."""
    unhealthy = pdb.expected_pods - pdb.current_healthy
    if pdb.max_unavailable:
        if pdb.max_unavailable in ("0", "0%"):
            return (
                "scaling will not help: maxUnavailable=0 forbids all disruptions, PDB must be "
                "changed",
                False,
            )
        return (
            f"scaling will not help: {unhealthy} pod(s) unhealthy beyond maxUnavailable "
            "threshold, unhealthy pods must recover (check for scheduling constraints such as "
            "anti-affinity, node selectors, or resource limits)",
            False,
        )
    if pdb.min_available == "100%":
        return (
            "scaling will not help: minAvailable=100% requires all pods healthy, PDB must be "
            "changed",
            False,
        )
    if pdb.current_healthy == pdb.expected_pods:
        return (
            f"scaling up by 1 replica would unblock the drain (healthy: {pdb.current_healthy}, "
            f"minAvailable: {pdb.min_available})",
            True,
        )
    return (
        f"scaling may help if new pods become healthy: {unhealthy} of {pdb.expected_pods} "
        f"pod(s) currently unhealthy (minAvailable: {pdb.min_available}); if pods remain "
        "Pending, check for scheduling constraints such as anti-affinity, node selectors, or "
        "resource limits",
        True,
    )


def scaling_lines(blocking: list[BlockingPdb], unhealthy_nodes: int) -> list[Line]:
    """The original's "Scaling Assessment" note lines (none without blocking PDBs)."""
    scalable: list[str] = []
    not_scalable: list[str] = []
    for pdb in blocking:
        assessment, can_scale = assess_scaling(pdb)
        entry = f"{pdb.namespace}/{pdb.name}: {assessment}"
        (scalable if can_scale else not_scalable).append(entry)
    lines: list[Line] = []
    if scalable:
        text = "\n  ".join(scalable)
        if unhealthy_nodes > 0:
            text += (
                f"\n  NOTE: {unhealthy_nodes} non-draining node(s) are unhealthy: new replicas "
                "may not schedule"
            )
        lines.append(
            _warn(
                f"Scaling Assessment: {len(scalable)} PDB(s) can be unblocked by scaling:\n  "
                + text,
            )
        )
    if not_scalable:
        lines.append(
            _warn(
                f"Scaling Assessment: {len(not_scalable)} PDB(s) cannot be unblocked by scaling "
                "alone:\n  " + "\n  ".join(not_scalable),
            )
        )
    return lines
