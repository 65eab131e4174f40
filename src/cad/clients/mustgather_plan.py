"""What a must-gather creates on the Kubernetes API, as ``oc adm must-gather`` does: pure
data (names and manifests) the action previews and the client creates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["NAMESPACE_PREFIX", "OPERATOR_NAMESPACE", "SOURCE_DIR", "GatherPlan", "gather_state"]

NAMESPACE_PREFIX = "openshift-must-gather-"
OPERATOR_NAMESPACE = "openshift-must-gather-operator"
"""The must-gather operator's permanent namespace: not a must-gather in progress."""
SOURCE_DIR = "/must-gather"


@dataclass(frozen=True)
class GatherPlan:
    """What one must-gather creates: the names (from ``suffix``), the image and the gather
    command."""

    suffix: str
    image: str
    command: str = "/usr/bin/gather"

    @property
    def namespace(self) -> str:
        return f"{NAMESPACE_PREFIX}{self.suffix}"

    @property
    def service_account(self) -> str:
        return "must-gather-admin"

    @property
    def binding(self) -> str:
        return f"must-gather-{self.suffix}"

    @property
    def pod(self) -> str:
        return f"must-gather-{self.suffix}"

    def manifests(self) -> list[dict[str, Any]]:
        """The objects, in the order they are created."""
        mount = [{"name": "must-gather-output", "mountPath": SOURCE_DIR}]
        namespace = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": self.namespace,
                "labels": {"openshift.io/run-level": "0"},
                "annotations": {"oc.openshift.io/command": "oc adm must-gather"},
            },
        }
        account = {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": self.service_account, "namespace": self.namespace},
        }
        binding = {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": self.binding},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "cluster-admin",
            },
            "subjects": [
                {
                    "kind": "ServiceAccount",
                    "name": self.service_account,
                    "namespace": self.namespace,
                }
            ],
        }
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": self.pod,
                "namespace": self.namespace,
                "labels": {"app": "must-gather"},
            },
            "spec": {
                "serviceAccountName": self.service_account,
                "priorityClassName": "system-cluster-critical",
                "restartPolicy": "Never",
                "terminationGracePeriodSeconds": 0,
                "nodeSelector": {"kubernetes.io/os": "linux"},
                "tolerations": [{"operator": "Exists"}],
                "volumes": [{"name": "must-gather-output", "emptyDir": {}}],
                "initContainers": [
                    {
                        "name": "gather",
                        "image": self.image,
                        "imagePullPolicy": "IfNotPresent",
                        "command": ["/bin/bash", "-c", f"{self.command}; sync"],
                        "volumeMounts": mount,
                    }
                ],
                "containers": [
                    {
                        "name": "copy",
                        "image": self.image,
                        "imagePullPolicy": "IfNotPresent",
                        "command": ["/bin/bash", "-c", "trap : TERM INT; sleep infinity & wait"],
                        "volumeMounts": mount,
                    }
                ],
            },
        }
        return [namespace, account, binding, pod]


def gather_state(pod: dict[str, Any]) -> tuple[str, str]:
    """``(state, detail)`` of a gather pod: ``done`` (gather ended with 0 and copy can run),
    ``failed`` or ``running``."""
    status = pod.get("status") or {}
    for container in status.get("initContainerStatuses") or []:
        if container.get("name") != "gather":
            continue
        ended = (container.get("state") or {}).get("terminated")
        if ended is not None and int(ended.get("exitCode", 1)) != 0:
            why = ended.get("message") or ended.get("reason") or "error"
            return "failed", f"the gather container exited with {ended.get('exitCode')}: {why}"
        if ended is not None and status.get("phase") == "Running":
            return "done", ""
    if status.get("phase") == "Failed":
        return "failed", str(status.get("message") or status.get("reason") or "the pod failed")
    return "running", ""
