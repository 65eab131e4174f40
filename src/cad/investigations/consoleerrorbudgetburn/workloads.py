"""Router and console pods, their warning events, and the nodes the console runs on: the
original's health lines. Pure: the investigation lists the objects."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from cad.investigations.consoleerrorbudgetburn.checks import Line

__all__ = [
    "CONSOLE_LABELS",
    "ROUTER_LABELS",
    "UTILIZATION_THRESHOLD",
    "console_nodes",
    "first_running_pod",
    "node_health_line",
    "node_issues",
    "node_utilization_lines",
    "parse_quantity",
    "pod_health_lines",
    "pod_issues",
    "warning_events",
]

ROUTER_LABELS = {"ingresscontroller.operator.openshift.io/deployment-ingresscontroller": "default"}
CONSOLE_LABELS = {"app": "console", "component": "ui"}
RESTART_THRESHOLD = 3
UTILIZATION_THRESHOLD = 80
_BAD_WAITING = {"CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull"}
_MAX_EVENTS = 5
_EVENT_WINDOW = timedelta(minutes=30)


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _name(obj: dict[str, Any]) -> str:
    return str(_mapping(obj.get("metadata")).get("name") or "")


def _phase(pod: dict[str, Any]) -> str:
    return str(_mapping(pod.get("status")).get("phase") or "")


def first_running_pod(pods: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The first pod in phase Running."""
    return next((p for p in pods if _phase(p) == "Running"), None)


def pod_issues(pods: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """``(pod, reason)`` for failed and pending pods, containers restarted more than 3
    times, waiting in a crash or image-pull state, or not ready in a running pod."""
    issues: list[tuple[str, str]] = []
    for pod in pods:
        name, phase = _name(pod), _phase(pod)
        status = _mapping(pod.get("status"))
        if phase == "Succeeded":
            continue
        if phase == "Failed":
            issues.append((name, str(status.get("reason") or "Failed")))
            continue
        if phase == "Pending":
            issues.append((name, "Pending"))
            continue
        for cs in status.get("containerStatuses") or []:
            container = str(cs.get("name") or "")
            restarts = int(cs.get("restartCount") or 0)
            if restarts > RESTART_THRESHOLD:
                issues.append((name, f"container {container} has {restarts} restarts"))
            waiting = _mapping(_mapping(cs.get("state")).get("waiting"))
            if waiting and waiting.get("reason") in _BAD_WAITING:
                issues.append((name, f"container {container}: {waiting['reason']}"))
            if not cs.get("ready") and phase == "Running":
                issues.append((name, f"container {container} not ready"))
    return issues


def _time(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def warning_events(
    events: Sequence[dict[str, Any]], pod_names: set[str], now: datetime
) -> list[str]:
    """Up to 5 recent (30 minutes) non-Normal events of the pods, one line each."""
    lines: list[str] = []
    for event in events:
        involved = _mapping(event.get("involvedObject"))
        if event.get("type") == "Normal":
            continue
        if involved.get("kind") != "Pod" or involved.get("name") not in pod_names:
            continue
        when = _time(event.get("lastTimestamp")) or _time(
            _mapping(event.get("metadata")).get("creationTimestamp")
        )
        if when is None or when < now - _EVENT_WINDOW:
            continue
        message = str(event.get("message") or "")
        if len(message) > 120:
            message = message[:120] + "..."
        count = int(event.get("count") or 0)
        times = f" (x{count})" if count > 1 else ""
        lines.append(
            f"  Pod/{involved.get('name')}: {event.get('reason') or ''}{times} - {message}"
        )
        if len(lines) >= _MAX_EVENTS:
            break
    return lines


def pod_health_lines(
    label: str,
    namespace: str,
    pods: Sequence[dict[str, Any]],
    events: Sequence[dict[str, Any]] | str,
    now: datetime,
) -> list[Line]:
    """The pods' health: issues, the router restart advice when no router pod is healthy,
    and warning events. ``events`` is the list, or the error text when it could not be read."""
    if not pods:
        return [("warning", f"{label}: no pods found in {namespace}")]
    lines: list[Line] = []
    issues = pod_issues(pods)
    if label == "Router" and issues:
        active = sum(1 for p in pods if _phase(p) != "Succeeded")
        if len({name for name, _ in issues}) >= active:
            lines.append(
                (
                    "warning",
                    f"{label}: no healthy router pods present; consider restarting: "
                    "`oc -n openshift-ingress rollout restart deploy/router-default`",
                )
            )
    if isinstance(events, str):
        lines.append(("warning", f"{label}: failed to list events in {namespace} - {events}"))
        found: list[str] = []
    else:
        found = warning_events(events, {_name(p) for p in pods}, now)
    if not issues and not found:
        lines.append(
            ("success", f"{label}: all {len(pods)} pod(s) in {namespace} are running and ready")
        )
        return lines
    text = ""
    if issues:
        text += f"{len(issues)} pod issue(s):\n"
        text += "".join(f"  {name}: {reason}\n" for name, reason in issues)
    if found:
        text += f"{len(found)} warning event(s):\n" + "".join(f"{e}\n" for e in found)
    lines.append(("warning", f"{label}: {text.rstrip()}"))
    return lines


def console_nodes(pods: Sequence[dict[str, Any]]) -> list[str]:
    """The nodes the console pods run on, sorted."""
    return sorted(
        {
            str(_mapping(p.get("spec")).get("nodeName"))
            for p in pods
            if _mapping(p.get("spec")).get("nodeName")
        }
    )


def node_issues(node: dict[str, Any]) -> list[str]:
    """Not Ready, memory, disk or PID pressure, cordoned."""
    name = _name(node)
    conditions = [
        c for c in _mapping(node.get("status")).get("conditions") or [] if isinstance(c, dict)
    ]
    issues = []
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    if ready is None:
        issues.append(f"{name}: NodeReady condition not found")
    elif ready.get("status") != "True":
        issues.append(
            f"{name}: NotReady (status: {ready.get('status') or ''}, "
            f"reason: {ready.get('reason') or ''})"
        )
    for condition in conditions:
        pressure = condition.get("type") in ("MemoryPressure", "DiskPressure", "PIDPressure")
        if pressure and condition.get("status") == "True":
            issues.append(f"{name}: {condition['type']}")
    if _mapping(node.get("spec")).get("unschedulable"):
        issues.append(f"{name}: Unschedulable (cordoned)")
    return issues


def node_health_line(checked: int, issues: list[str]) -> Line:
    """The nodes' health: every issue, or all healthy."""
    if not issues:
        return "success", f"Node Health: all {checked} node(s) running console pods are healthy"
    return (
        "warning",
        f"Node Health: {len(issues)} issue(s) on nodes running console pods:\n  "
        + "\n  ".join(issues),
    )


_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")
_SUFFIXES = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}


def parse_quantity(text: object) -> Decimal | None:
    """A Kubernetes resource quantity (``250m``, ``1500Mi``, ``12345678n``, ``4``)."""
    match = _QUANTITY.match(str(text).strip()) if text is not None else None
    if not match or match.group(2) not in _SUFFIXES:
        return None
    try:
        return Decimal(match.group(1)) * _SUFFIXES[match.group(2)]
    except InvalidOperation:
        return None


def _milli(value: Decimal | None) -> Decimal | None:
    """Kubernetes' ``MilliValue``: thousandths, rounded up."""
    return None if value is None else Decimal(math.ceil(value * 1000))


def _whole(value: Decimal | None) -> Decimal | None:
    """Kubernetes' ``Value``: whole units, rounded up."""
    return None if value is None else Decimal(math.ceil(value))


def _percent(usage: Decimal | None, capacity: Decimal | None) -> int:
    if usage is None or capacity is None or capacity <= 0:
        return 0
    return math.floor(float(usage * 100 / capacity) + 0.5)  # Go's math.Round, for >= 0


def node_utilization_lines(
    metrics: Sequence[dict[str, Any]], capacities: dict[str, dict[str, Any]]
) -> list[Line]:
    """CPU and memory in use against capacity on the console's nodes (metrics.k8s.io
    ``NodeMetrics``; ``capacities``: node name to ``status.capacity``), 80% and up warned."""
    per_node: list[str] = []
    over: list[str] = []
    for item in metrics:
        name = _name(item)
        if name not in capacities:
            continue
        usage = _mapping(item.get("usage"))
        cpu, memory = parse_quantity(usage.get("cpu")), parse_quantity(usage.get("memory"))
        if cpu is None or memory is None:
            continue
        capacity = capacities[name]
        cpu_capacity = parse_quantity(capacity.get("cpu"))
        memory_capacity = parse_quantity(capacity.get("memory"))
        cpu_pct = _percent(_milli(cpu), _milli(cpu_capacity))
        memory_pct = _percent(_whole(memory), _whole(memory_capacity))
        per_node.append(f"{name}: CPU {cpu_pct}%, Memory {memory_pct}%")
        if cpu_pct >= UTILIZATION_THRESHOLD or memory_pct >= UTILIZATION_THRESHOLD:
            over.append(f"{name} (CPU: {cpu_pct}%, Memory: {memory_pct}%)")
    if not per_node:
        return [("warning", "Node Utilization: no metrics available for console-pod nodes")]
    lines: list[Line] = []
    if over:
        lines.append(
            (
                "warning",
                f"Node Utilization: {len(over)} node(s) with >=80% utilization — "
                + "; ".join(over),
            )
        )
    else:
        lines.append(
            (
                "success",
                "Node Utilization: all console-pod nodes below 80% CPU and Memory utilization",
            )
        )
    lines.append(("success", "Node Utilization per-node:\n  " + "\n  ".join(per_node)))
    return lines
