"""A node described the way ``kubectl describe node`` lays it out, written from the objects
CAD read: labels, annotations, taints, the node lease, conditions, addresses, capacity and
allocatable, system info, the pods on the node that have not terminated, and its events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from cad.investigations.describenodes.models import Event, Lease, Node, Pod

__all__ = ["describe_node", "human_duration", "node_roles", "rfc1123", "summary_line"]

_LABEL_WIDTH = 20
_WIDE = 30  # kubectl aligns the sections after System Info wider
_TERMINATED = ("Succeeded", "Failed")


def rfc1123(moment: datetime | None) -> str:
    """A time as kubectl prints it (``Sun, 29 Nov 2026 10:00:00 +0000``); ``<unset>``."""
    return moment.strftime("%a, %d %b %Y %H:%M:%S %z") if moment else "<unset>"


def human_duration(seconds: float) -> str:
    """An age as kubectl prints it (``90s``, ``5m3s``, ``3h``, ``2d4h``, ``1y30d``)."""
    total = int(seconds)
    if total < -1:
        return "<invalid>"
    if total < 0:
        return "0s"
    if total < 120:
        return f"{total}s"
    minutes = total // 60
    if minutes < 10:
        return f"{minutes}m{total % 60}s" if total % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = total // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // (24 * 365)}y{days}d" if days else f"{hours // (24 * 365)}y"
    return f"{hours // (24 * 365)}y"


def node_roles(node: Node) -> list[str]:
    """Roles from ``node-role.kubernetes.io/<role>`` and ``kubernetes.io/role`` labels."""
    roles = set()
    for key, value in node.metadata.labels.items():
        if key.startswith("node-role.kubernetes.io/") and key.split("/", 1)[1]:
            roles.add(key.split("/", 1)[1])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return sorted(roles)


def _field(label: str, value: str, width: int = _LABEL_WIDTH) -> str:
    return f"{label + ':':<{width}}{value}"


def _multi(label: str, values: Sequence[str]) -> list[str]:
    if not values:
        return [_field(label, "<none>")]
    pad = " " * _LABEL_WIDTH
    return [_field(label, values[0]), *(pad + v for v in values[1:])]


def _table(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Rows as aligned columns (the first row is the header, underlined)."""
    header = rows[0]
    rows = [header, ["-" * len(h) for h in header], *rows[1:]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return [
        (indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))).rstrip()
        for row in rows
    ]


def _resources(label: str, values: dict[str, str]) -> list[str]:
    if not values:
        return [f"{label}:", "  <none>"]
    width = max(len(k) for k in values) + 2
    return [f"{label}:", *(f"  {k + ':':<{width}}{values[k]}" for k in sorted(values))]


def _lease(lease: Lease | None) -> list[str]:
    if lease is None:
        return [_field("Lease", "<none> (no lease in kube-node-lease)")]
    return [
        "Lease:",
        f"  HolderIdentity:  {lease.spec.holder_identity or '<unset>'}",
        f"  AcquireTime:     {rfc1123(lease.spec.acquire_time)}",
        f"  RenewTime:       {rfc1123(lease.spec.renew_time)}",
    ]


def _conditions(node: Node) -> list[str]:
    if not node.status.conditions:
        return ["Conditions:", "  <none>"]
    rows = [["Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message"]]
    rows += [
        [
            c.type,
            c.status,
            rfc1123(c.last_heartbeat_time),
            rfc1123(c.last_transition_time),
            c.reason,
            c.message.replace("\n", " "),
        ]
        for c in node.status.conditions
    ]
    return ["Conditions:", *_table(rows)]


def _system_info(node: Node) -> list[str]:
    info = node.status.node_info
    return [
        "System Info:",
        f"  Machine ID:                 {info.machine_id}",
        f"  Kernel Version:             {info.kernel_version}",
        f"  OS Image:                   {info.os_image}",
        f"  Architecture:               {info.architecture}",
        f"  Container Runtime Version:  {info.container_runtime_version}",
        f"  Kubelet Version:            {info.kubelet_version}",
    ]


def _pods(pods: Iterable[Pod], now: datetime) -> list[str]:
    running = sorted(
        (p for p in pods if p.status.phase not in _TERMINATED),
        key=lambda p: (p.metadata.namespace, p.metadata.name),
    )
    head = _field("Non-terminated Pods", f"({len(running)} in total)", _WIDE)
    if not running:
        return [head]
    rows = [["Namespace", "Name", "Phase", "Age"]]
    rows += [
        [p.metadata.namespace, p.metadata.name, p.status.phase or "Unknown", _age(p, now)]
        for p in running
    ]
    return [head, *_table(rows)]


def _age(pod: Pod, now: datetime) -> str:
    created = pod.metadata.creation_timestamp
    return human_duration((now - created).total_seconds()) if created else "<unknown>"


def _events(events: Iterable[Event], now: datetime) -> list[str]:
    ordered = sorted(events, key=lambda e: e.last_seen or now)
    if not ordered:
        return [_field("Events", "<none>")]
    rows = [["Type", "Reason", "Age", "From", "Message"]]
    rows += [
        [
            e.type,
            e.reason,
            _event_age(e, now),
            e.source.component or e.reporting_component,
            e.message.strip().replace("\n", " "),
        ]
        for e in ordered
    ]
    return ["Events:", *_table(rows)]


def _event_age(event: Event, now: datetime) -> str:
    last, first = event.last_seen, event.first_seen
    if last is None:
        return "<unknown>"
    age = human_duration((now - last).total_seconds())
    if event.count > 1 and first is not None:
        return f"{age} (x{event.count} over {human_duration((now - first).total_seconds())})"
    return age


def describe_node(
    node: Node, pods: Iterable[Pod], events: Iterable[Event], lease: Lease | None, now: datetime
) -> str:
    """The node's description: ``kubectl describe node``'s sections, in its order."""
    meta, spec = node.metadata, node.spec
    lines = [
        _field("Name", node.name),
        _field("Roles", ",".join(node_roles(node)) or "<none>"),
        *_multi("Labels", [f"{k}={v}" for k, v in sorted(meta.labels.items())]),
        *_multi("Annotations", [f"{k}: {v}" for k, v in sorted(meta.annotations.items())]),
        _field("CreationTimestamp", rfc1123(meta.creation_timestamp)),
        *_multi("Taints", [str(t) for t in spec.taints]),
        _field("Unschedulable", str(spec.unschedulable).lower()),
        *_lease(lease),
        *_conditions(node),
        "Addresses:",
        *([f"  {a.type}:  {a.address}" for a in node.status.addresses] or ["  <none>"]),
        *_resources("Capacity", node.status.capacity),
        *_resources("Allocatable", node.status.allocatable),
        *_system_info(node),
        _field("ProviderID", spec.provider_id, _WIDE),
        *_pods(pods, now),
        *_events(events, now),
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def summary_line(node: Node, pods: Iterable[Pod], events: Iterable[Event]) -> str:
    """One line for the note: readiness, roles, scheduling, counts."""
    ready = next((c.status for c in node.status.conditions if c.type == "Ready"), "<none>")
    running = sum(1 for p in pods if p.status.phase not in _TERMINATED)
    warnings = sum(1 for e in events if e.type == "Warning")
    return (
        f"{node.name}: Ready={ready}, roles={','.join(node_roles(node)) or '<none>'}, "
        f"unschedulable={str(node.spec.unschedulable).lower()}, taints={len(node.spec.taints)}, "
        f"pods={running}, warning events={warnings}"
    )
