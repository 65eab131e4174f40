"""clusterhealthcheck's decisions: pure functions from the objects read to note lines.

Each check returns ``Line`` pairs, ``("success" | "warning" | "automation", text)``, in the
original's words. Capacity and alerts live in :mod:`.capacity` and :mod:`.alerts`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cad.investigations.framework import gotext

__all__ = [
    "HCP_WARNING",
    "MAX_DISPLAY",
    "Line",
    "api_health",
    "apiserver_pods",
    "channel_prefix",
    "cluster_operators",
    "cluster_version",
    "completed_version",
    "eol_warning",
    "etcd_container",
    "failing_pods",
    "go_duration",
    "machine_config_pools",
    "node_status",
    "non_normal_events",
    "parse_minor_version",
    "pending_csrs",
    "restrictive_pdbs",
    "running_pod",
]

Line = tuple[str, str]
HCP_WARNING = (
    "This is an HCP cluster - some checks may differ (control plane runs on management cluster)"
)
MAX_DISPLAY = 50


def _conditions(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return list((obj.get("status") or {}).get("conditions") or [])


def _name(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def _namespace(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("namespace", ""))


def cluster_operators(operators: list[dict[str, Any]]) -> list[Line]:
    """Unavailable, degraded and progressing operators."""
    if not operators:
        return [("warning", "Cluster Operators: none found")]
    degraded, unavailable, progressing = [], [], []
    for co in operators:
        for cond in _conditions(co):
            entry = f"{_name(co)} (reason: {cond.get('reason', '')})"
            kind, status = cond.get("type"), cond.get("status")
            if kind == "Degraded" and status == "True":
                degraded.append(entry)
            elif kind == "Available" and status == "False":
                unavailable.append(entry)
            elif kind == "Progressing" and status == "True":
                progressing.append(entry)
    if not (degraded or unavailable or progressing):
        return [("success", f"Cluster Operators: all {len(operators)} operators are healthy")]
    lines = []
    for label, found in (
        ("unavailable", unavailable),
        ("degraded", degraded),
        ("progressing", progressing),
    ):
        if found:
            lines.append(
                ("warning", f"Cluster Operators: {len(found)} {label} - " + ", ".join(found))
            )
    return lines


def api_health(healthz: str, livez: str, readyz: str) -> list[Line]:
    """The three health endpoints' answers (``ok``, or ``error: ...``)."""
    if healthz == livez == readyz == "ok":
        return [
            (
                "success",
                "API Server Health: all endpoints healthy (healthz=ok, livez=ok, readyz=ok)",
            )
        ]
    return [("warning", f"API Server Health: healthz={healthz}, livez={livez}, readyz={readyz}")]


def _ready(pod: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in _conditions(pod))


def apiserver_pods(title: str, namespace: str, pods: list[dict[str, Any]]) -> list[Line]:
    """Readiness of one API server's pods (``title``: "OpenShift API Server", ...)."""
    if not pods:
        return [("warning", f"{title} Pods: no pods found in {namespace}")]
    not_ready = []
    for pod in pods:
        if _ready(pod):
            continue
        reason = str((pod.get("status") or {}).get("phase", ""))
        for cond in _conditions(pod):
            if cond.get("type") == "Ready" and cond.get("reason"):
                reason = str(cond["reason"])
                break
        not_ready.append(f"{_name(pod)} ({reason})")
    if not not_ready:
        return [("success", f"{title} Pods: all {len(pods)} pods are Ready")]
    return [
        (
            "warning",
            f"{title} Pods: {len(not_ready)}/{len(pods)} not ready - " + ", ".join(not_ready),
        )
    ]


def running_pod(pods: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first pod in phase Running."""
    for pod in pods:
        if (pod.get("status") or {}).get("phase") == "Running":
            return pod
    return None


def etcd_container(pod: dict[str, Any]) -> str:
    """The container to run etcdctl in: ``etcdctl`` or ``etcd``, whichever comes first."""
    for container in (pod.get("spec") or {}).get("containers") or []:
        if container.get("name") in ("etcdctl", "etcd"):
            return str(container["name"])
    return "etcd"


def machine_config_pools(pools: list[dict[str, Any]]) -> list[Line]:
    """Degraded and updating MachineConfigPools."""
    if not pools:
        return [("warning", "MachineConfigPools: none found")]
    degraded, updating = [], []
    for mcp in pools:
        status = mcp.get("status") or {}
        for cond in _conditions(mcp):
            if cond.get("status") != "True":
                continue
            if cond.get("type") == "Degraded":
                degraded.append(
                    f"{_name(mcp)} (reason: {cond.get('reason', '')}, "
                    f"message: {cond.get('message', '')})"
                )
            elif cond.get("type") == "Updating":
                updating.append(
                    f"{_name(mcp)} ({status.get('updatedMachineCount', 0)}/"
                    f"{status.get('machineCount', 0)} updated)"
                )
    if not (degraded or updating):
        return [("success", f"MachineConfigPools: all {len(pools)} pools are healthy")]
    lines = []
    if degraded:
        lines.append(
            ("warning", f"MachineConfigPools: {len(degraded)} degraded - " + "; ".join(degraded))
        )
    if updating:
        lines.append(
            ("warning", f"MachineConfigPools: {len(updating)} updating - " + "; ".join(updating))
        )
    return lines


def go_duration(seconds: int) -> str:
    """A whole-second age as Go prints it (``45s``, ``2m5s``, ``1h0m0s``; never negative)."""
    return gotext.go_duration(timedelta(seconds=max(0, seconds)))


def _created(obj: dict[str, Any]) -> datetime | None:
    text = (obj.get("metadata") or {}).get("creationTimestamp")
    if not text:
        return None
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def pending_csrs(csrs: list[dict[str, Any]], now: datetime) -> list[Line]:
    """CSRs neither approved nor denied, with requester and age."""
    pending = []
    for csr in csrs:
        types = {c.get("type") for c in _conditions(csr)}
        if "Approved" in types or "Denied" in types:
            continue
        created = _created(csr)
        age = go_duration(int((now - created).total_seconds())) if created else "unknown"
        user = (csr.get("spec") or {}).get("username", "")
        pending.append(f"{_name(csr)} (requester: {user}, age: {age})")
    if not pending:
        return [("success", "Pending CSRs: none")]
    return [("warning", f"Pending CSRs: {len(pending)} pending - " + "; ".join(pending))]


_PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure")


def node_status(nodes: list[dict[str, Any]]) -> list[Line]:
    """Nodes not ready, unschedulable, under pressure; their taints."""
    if not nodes:
        return [("warning", "Nodes: none found")]
    not_ready, disabled, pressure, tainted = [], [], [], []
    for node in nodes:
        name = _name(node)
        for cond in _conditions(node):
            kind, status = cond.get("type"), cond.get("status")
            if kind == "Ready" and status != "True":
                not_ready.append(f"{name} (status: {status}, reason: {cond.get('reason', '')})")
            elif kind in _PRESSURE and status == "True":
                pressure.append(f"{name}: {kind}")
        spec = node.get("spec") or {}
        if spec.get("unschedulable"):
            disabled.append(name)
        for taint in spec.get("taints") or []:
            tainted.append(f"{name}: {taint.get('key', '')}: {taint.get('effect', '')}")
    lines: list[Line] = []
    if not (not_ready or disabled or pressure):
        lines.append(("success", f"Nodes: all {len(nodes)} nodes are Ready and healthy"))
    if not_ready:
        lines.append(("warning", f"Nodes: {len(not_ready)} not ready - " + "; ".join(not_ready)))
    if disabled:
        lines.append(
            ("warning", f"Nodes: {len(disabled)} scheduling disabled - " + ", ".join(disabled))
        )
    if pressure:
        lines.append(
            ("warning", f"Node Conditions: {len(pressure)} issue(s) - " + "; ".join(pressure))
        )
    if tainted:
        lines.append(
            ("warning", f"Node Taints: {len(tainted)} taint(s) found:\n  " + "\n  ".join(tainted))
        )
    return lines


def completed_version(cluster_version: dict[str, Any]) -> str:
    """The newest completed version of the history, or ``""``."""
    for entry in (cluster_version.get("status") or {}).get("history") or []:
        if entry.get("state") == "Completed":
            return str(entry.get("version", ""))
    return ""


def parse_minor_version(version: str) -> int:
    """The minor of ``4.16.5`` (16); -1 when there is none."""
    parts = version.split(".", 2)
    if len(parts) < 2 or not parts[1].isdigit() or not parts[1].isascii():
        return -1
    return int(parts[1])


def channel_prefix(channel: str) -> str:
    """``stable`` from ``stable-4.16``; ``stable`` when the channel names no prefix."""
    return channel[: channel.rindex("-")] if "-" in channel else "stable"


def eol_warning(version: str, prefix: str, current_minor: int, latest_minor: int) -> str:
    """The EOL issue when the latest minor is more than 2 ahead, else ``""``."""
    if latest_minor - current_minor > 2:
        return (
            f"EOL: cluster version {version} is more than 2 minor versions behind latest "
            f"available ({prefix}-4.{latest_minor})"
        )
    return ""


def cluster_version(cluster_version: dict[str, Any], eol: str) -> list[Line]:
    """The version line: Failing, Progressing, RetrievedUpdates=False and ``eol`` issues."""
    version = completed_version(cluster_version) or "unknown"
    issues = []
    for cond in _conditions(cluster_version):
        kind, status, message = cond.get("type"), cond.get("status"), cond.get("message", "")
        if kind == "Failing" and status == "True":
            issues.append(f"Failing: {message}")
        elif kind == "Progressing" and status == "True":
            issues.append(f"Progressing: {message}")
        elif kind == "RetrievedUpdates" and status == "False":
            issues.append(f"Cannot retrieve updates: {message}")
    if eol:
        issues.append(eol)
    if not issues:
        return [("success", f"Cluster Version: {version}")]
    return [("warning", f"Cluster Version: {version} - " + "; ".join(issues))]


_BAD_WAITING = {"CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull"}


def _bounded(header: str, entries: list[str]) -> str:
    shown = entries[:MAX_DISPLAY]
    text = header + "\n" + "\n".join(f"  {e}" for e in shown)
    if len(entries) > MAX_DISPLAY:
        text += f"\n  ... and {len(entries) - MAX_DISPLAY} more"
    return text


def failing_pods(pods: list[dict[str, Any]]) -> list[Line]:
    """Failed pods, containers restarted more than 10 times or waiting on an error."""
    issues: list[tuple[str, str, str]] = []
    for pod in pods:
        status = pod.get("status") or {}
        phase = status.get("phase")
        if phase == "Succeeded":
            continue
        key = (_namespace(pod), _name(pod))
        if phase == "Failed":
            issues.append((*key, str(status.get("reason") or "Failed")))
            continue
        for cs in status.get("containerStatuses") or []:
            restarts = int(cs.get("restartCount") or 0)
            if restarts > 10:
                issues.append((*key, f"container {cs.get('name')} has {restarts} restarts"))
            waiting = (cs.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in _BAD_WAITING:
                issues.append((*key, f"container {cs.get('name')}: {waiting['reason']}"))
    if not issues:
        return [("success", "Failing Pods: none")]
    issues.sort(key=lambda i: (i[0], i[1]))
    entries = [f"{ns}/{name}: {reason}" for ns, name, reason in issues]
    return [("warning", "Failing Pods: " + _bounded(f"{len(issues)} pod(s) with issues:", entries))]


def _int_or_str(value: Any) -> tuple[int | None, str | None]:
    if isinstance(value, bool) or value is None:
        return None, None
    if isinstance(value, int):
        return value, None
    return None, str(value)


def restrictive_pdbs(pdbs: list[dict[str, Any]]) -> list[Line]:
    """PDBs allowing no disruption because of maxUnavailable 0 / 0% or minAvailable 100% /
    at least the expected pods."""
    restrictive = []
    for pdb in pdbs:
        spec, status = pdb.get("spec") or {}, pdb.get("status") or {}
        if int(status.get("disruptionsAllowed") or 0) > 0:
            continue
        reason = ""
        number, text = _int_or_str(spec.get("maxUnavailable"))
        if number == 0 or text == "0%":
            reason = f"maxUnavailable={number if number is not None else text}"
        number, text = _int_or_str(spec.get("minAvailable"))
        expected = int(status.get("expectedPods") or 0)
        if text == "100%":
            reason = "minAvailable=100%"
        elif number is not None and expected > 0 and number >= expected:
            reason = f"minAvailable={number} (expectedPods={expected})"
        if reason:
            restrictive.append(f"{_namespace(pdb)}/{_name(pdb)} ({reason})")
    if not restrictive:
        return [("success", "Restrictive PDBs: none")]
    return [("warning", f"Restrictive PDBs: {len(restrictive)} found - " + "; ".join(restrictive))]


def non_normal_events(events: list[dict[str, Any]]) -> list[Line]:
    """Events whose type is not Normal, by namespace and reason, messages cut at 120."""
    found = []
    for event in events:
        if event.get("type") == "Normal":
            continue
        involved = event.get("involvedObject") or {}
        count = int(event.get("count") or 0)
        message = str(event.get("message", ""))
        if len(message) > 120:
            message = message[:120] + "..."
        text = (
            f"{_namespace(event)}/{involved.get('kind', '')}/{involved.get('name', '')}: "
            f"{event.get('reason', '')}{f' (x{count})' if count > 1 else ''} - {message}"
        )
        found.append((_namespace(event), str(event.get("reason", "")), text))
    if not found:
        return [("success", "Events: no non-normal events")]
    found.sort(key=lambda e: (e[0], e[1]))
    entries = [text for _, _, text in found]
    return [("warning", "Events: " + _bounded(f"{len(found)} non-normal event(s):", entries))]
