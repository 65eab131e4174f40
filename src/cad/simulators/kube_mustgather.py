"""Must-gathers in the Kubernetes simulator (``kubernetes.must_gather`` of a cluster or of a
management cluster in the world).

A pod labelled ``app=must-gather`` with an init container ``gather`` is, once created:

* ``succeeded`` (the default): the gather ended with exit code 0 and the pod runs its ``copy``
  container; ``tar cf - -C /must-gather .`` in ``copy`` answers a tar stream of ``files``;
* ``failed``: the gather ended with exit code 1 (``message``) and the pod failed;
* ``hang``: the gather never ends.

``others_finish_after`` (with other ``openshift-must-gather-*`` namespaces among the objects):
those namespaces are gone after that many namespace lists, as another must-gather finishing;
without it they stay.
"""

from __future__ import annotations

import io
import tarfile
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["TAR_COMMAND", "MustGatherBehaviour", "MustGatherSpec", "tar_of"]

TAR_COMMAND = ["tar", "cf", "-", "-C", "/must-gather", "."]
_PREFIX = "openshift-must-gather-"
_OPERATOR = "openshift-must-gather-operator"
DEFAULT_FILES = {
    "timestamp": "2026-01-01 00:00:00.000000000 +0000 UTC m=+0.000000001\n",
    "gather-debug.log": "gathering the cluster's resources\n",
    "event-filter.html": "<html></html>\n",
}


class MustGatherSpec(BaseModel):
    """How must-gathers go on this API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Literal["succeeded", "failed", "hang"] = "succeeded"
    files: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_FILES))
    message: str = "gather failed: the image could not collect the cluster's resources"
    others_finish_after: int | None = Field(default=None, ge=0)


def tar_of(files: dict[str, str]) -> bytes:
    """An uncompressed tar of ``files`` (path to text) as ``tar cf - -C DIR .`` writes it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(f"./{path.lstrip('/')}")
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _is_gather_pod(obj: dict[str, Any]) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    inits = (obj.get("spec") or {}).get("initContainers") or []
    return (
        obj.get("kind") == "Pod"
        and labels.get("app") == "must-gather"
        and any(c.get("name") == "gather" for c in inits)
    )


class MustGatherBehaviour:
    """What the API does with must-gather pods and namespaces (see the module's docstring)."""

    def __init__(
        self,
        spec: MustGatherSpec | dict[str, Any] | None = None,
        objects: list[dict[str, Any]] | None = None,
    ) -> None:
        self.spec = MustGatherSpec.model_validate(spec or {})
        self.namespace_lists = 0
        # Must-gathers of others: the namespaces the world starts with.
        self._others = {
            str((o.get("metadata") or {}).get("name", ""))
            for o in objects or []
            if o.get("kind") == "Namespace"
            and str((o.get("metadata") or {}).get("name", "")).startswith(_PREFIX)
            and (o.get("metadata") or {}).get("name") != _OPERATOR
        }

    def created(self, obj: dict[str, Any]) -> None:
        """Give a newly created gather pod the status of the world's outcome."""
        if not _is_gather_pod(obj):
            return
        outcome = self.spec.outcome
        if outcome == "hang":
            gather = {"name": "gather", "state": {"running": {}}}
            obj["status"] = {"phase": "Pending", "initContainerStatuses": [gather]}
            return
        code = 0 if outcome == "succeeded" else 1
        ended: dict[str, Any] = {"exitCode": code, "reason": "Completed" if code == 0 else "Error"}
        if code:
            ended["message"] = self.spec.message
        obj["status"] = {
            "phase": "Running" if code == 0 else "Failed",
            "initContainerStatuses": [{"name": "gather", "state": {"terminated": ended}}],
            "containerStatuses": [{"name": "copy", "state": {"running": {}}}] if code == 0 else [],
        }

    def exec_answer(self, pod: dict[str, Any] | None, command: list[str]) -> dict[str, Any] | None:
        """The answer to the copy command in a gather pod (binary stdout), else ``None``."""
        if pod is None or command != TAR_COMMAND or not _is_gather_pod(pod):
            return None
        if (pod.get("status") or {}).get("phase") != "Running":
            return {"stderr": "container copy is not running", "exit_code": 1}
        return {"stdout_bytes": tar_of(self.spec.files), "exit_code": 0}

    def listed_namespaces(self, objects: list[dict[str, Any]]) -> None:
        """Count a namespace list; other must-gathers finish after ``others_finish_after``."""
        self.namespace_lists += 1
        after = self.spec.others_finish_after
        if after is None or self.namespace_lists <= after:
            return
        for obj in [o for o in objects if o.get("kind") == "Namespace"]:
            name = str((obj.get("metadata") or {}).get("name", ""))
            if name in self._others:
                owned = [o for o in objects if (o.get("metadata") or {}).get("namespace") == name]
                for gone in [obj, *owned]:
                    objects.remove(gone)
