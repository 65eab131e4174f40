"""etcddatabasequotalowspace's pure parts: which etcd pod, what the Job needs from it, the
WARNING / CRITICAL split, and the texts (the original's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CLASSIC_CONTAINER",
    "CLASSIC_NAMESPACE",
    "ETCD_LABELS",
    "HCP_CONTAINER",
    "EtcdPod",
    "etcd_pod",
    "is_warning",
    "no_etcd_pod",
    "select_etcd_pod",
    "snapshot_line",
]

CLASSIC_NAMESPACE = "openshift-etcd"
ETCD_LABELS = ({"k8s-app": "etcd"}, {"app": "etcd"})
"""The etcd pods' labels, the second looked for only when the first finds none."""
CLASSIC_CONTAINER = "etcdctl"
"""A classic etcd pod's container whose image, environment and host paths take the snapshot."""
HCP_CONTAINER = "reset-member"
"""A hosted control plane etcd pod's init container whose image has etcdctl."""

NON_HCP = "Cluster is non-HCP, proceeding with etcd snapshot"
NO_IMAGE = "No image to analyse the snapshot with: CAD_OCTOSQL_IMAGE is not set"
IMAGE_NOT_FOUND = "Etcdctl container image not found"

ESCALATE_ETCD_POD = "Failed to get etcd pod - manual investigation required"
ESCALATE_SNAPSHOT = "Failed to take etcd snapshot - manual investigation required"
ESCALATE_IMAGE = "Failed to find etcdctl container image - manual investigation required"
ESCALATE_BUILD = "Failed to build analysis job - manual investigation required"
SILENCE_WARNING = "etcd warning alert - investigation and analysis complete, see report for details"
ESCALATE_CRITICAL = "etcd critical alert - analysis complete, see report for details"
SILENCE_WARNING_HCP = (
    "HCP etcd warning alert - investigation and analysis complete, see report for details"
)
ESCALATE_CRITICAL_HCP = (
    "HCP etcd critical alert - analysis complete, see dynatrace logs for details"
)


@dataclass(frozen=True)
class EtcdPod:
    """The etcd pod a snapshot is taken from, and what the Job copies of it: the image with
    etcdctl, and (classic) that container's environment and host-path mounts."""

    name: str
    node: str
    image: str = ""
    env: dict[str, str] = field(default_factory=dict)
    host_paths: dict[str, str] = field(default_factory=dict)


def is_warning(title: str) -> bool:
    """A WARNING alert (its title says so, any case): silenced once analysed, since most
    heal by compaction; any other is escalated (the original's fd2a074)."""
    return "WARNING" in title.upper()


def select_etcd_pod(pods: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first Running pod, as the original picks."""
    for pod in pods:
        if (pod.get("status") or {}).get("phase") == "Running":
            return pod
    return None


def no_etcd_pod(namespace: str, pods: list[dict[str, Any]]) -> str:
    """Why no etcd pod was selected (the original's errors)."""
    if not pods:
        return f"no etcd pods found in namespace {namespace} with labels k8s-app=etcd or app=etcd"
    return f"no running etcd pods found in namespace {namespace}"


def etcd_pod(pod: dict[str, Any], *, hcp: bool) -> EtcdPod:
    """What the Job needs of ``pod``: on HCP the ``reset-member`` init container's image; on
    classic the ``etcdctl`` container's image, plain environment values and host-path mounts.
    An empty ``image`` when that container is missing."""
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    name, node = str(meta.get("name") or ""), str(spec.get("nodeName") or "")
    wanted = HCP_CONTAINER if hcp else CLASSIC_CONTAINER
    group = spec.get("initContainers") if hcp else spec.get("containers")
    container = next((c for c in group or [] if c.get("name") == wanted), None)
    if container is None:
        return EtcdPod(name=name, node=node)
    if hcp:
        return EtcdPod(name=name, node=node, image=str(container.get("image") or ""))
    env = {
        str(e["name"]): str(e["value"])
        for e in container.get("env") or []
        if "name" in e and "value" in e
    }
    host = {
        str(v["name"]): str(v["hostPath"]["path"])
        for v in spec.get("volumes") or []
        if (v.get("hostPath") or {}).get("path")
    }
    mounts = {
        str(m["mountPath"]): host[m["name"]]
        for m in container.get("volumeMounts") or []
        if m.get("name") in host and m.get("mountPath")
    }
    return EtcdPod(
        name=name, node=node, image=str(container.get("image") or ""), env=env, host_paths=mounts
    )


def snapshot_line(pod: EtcdPod, namespace: str, *, hcp: bool) -> str:
    """The note's line for the snapshot CAD asks the executor to take."""
    where = f"namespace {namespace} on the management cluster" if hcp else f"node {pod.node}"
    return (
        f"Taking an etcd snapshot from pod {pod.name} ({where}) and analysing it in a Job; "
        "the Job is deleted once it finished"
    )
