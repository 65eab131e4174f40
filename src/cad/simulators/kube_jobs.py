"""Jobs that run in the simulated Kubernetes API: a Job created there gets a pod at once,
and both finish as the world says (``succeeded``, ``failed``, or ``hang``: running for
ever); the pod's log is served at ``GET .../pods/{name}/log``; deleting the Job with a
propagation policy (``Background``, ``Foreground``) deletes its pods, as the garbage
collector would."""

from __future__ import annotations

import hashlib
import re
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from cad.simulators.kube import KubeWorld

__all__ = ["JobRunSpec", "JobRuns"]

_LOG = re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/pods/(?P<pod>[^/]+)/log$")


class JobRunSpec(BaseModel):
    """How the Jobs CAD creates run: the first rule whose ``name_prefix`` starts the Job's
    name and whose ``namespace`` glob matches it applies (no rule: ``succeeded``, empty
    log). ``logs`` is what the pod printed; ``reason`` and ``message`` the Failed
    condition's."""

    model_config = ConfigDict(extra="forbid")

    name_prefix: str = ""
    namespace: str = "*"
    outcome: Literal["succeeded", "failed", "hang"] = "succeeded"
    logs: str = ""
    reason: str = "BackoffLimitExceeded"
    message: str = "Job has reached the specified backoff limit"


def _status(outcome: str, spec: JobRunSpec) -> dict[str, Any]:
    if outcome == "succeeded":
        condition = {"type": "Complete", "status": "True"}
        return {"succeeded": 1, "conditions": [condition]}
    if outcome == "failed":
        condition = {
            "type": "Failed",
            "status": "True",
            "reason": spec.reason,
            "message": spec.message,
        }
        return {"failed": 1, "conditions": [condition]}
    return {"active": 1}


_PHASES = {"succeeded": "Succeeded", "failed": "Failed", "hang": "Running"}


class JobRuns:
    """The Job behaviour of one :class:`KubeWorld` (a ``KubeExtension``)."""

    def __init__(self, world: KubeWorld, specs: list[JobRunSpec]) -> None:
        self.world = world
        self.specs = list(specs)
        self.logs: dict[tuple[str, str], str] = {}
        self.log_requests = 0

    def _spec(self, name: str, namespace: str) -> JobRunSpec:
        for spec in self.specs:
            if name.startswith(spec.name_prefix) and fnmatchcase(namespace, spec.namespace):
                return spec
        return JobRunSpec()

    def answer(
        self, method: str, path: str, params: dict[str, str]
    ) -> tuple[int, dict[str, Any] | str] | None:
        match = _LOG.match(path)
        if match is None or method != "GET":
            return None
        self.log_requests += 1
        key = (match.group("ns"), match.group("pod"))
        if self.world.find_pod(*key) is None or key not in self.logs:
            return 404, {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "reason": "NotFound",
                "message": f'pods "{key[1]}" not found',
                "code": 404,
            }
        return 200, self.logs[key]

    def written(self, method: str, obj: dict[str, Any], params: dict[str, str]) -> None:
        if obj.get("kind") != "Job":
            return
        meta = obj.get("metadata") or {}
        name, namespace = str(meta.get("name") or ""), str(meta.get("namespace") or "")
        if method == "POST":
            self._run(obj, name, namespace)
        elif method == "DELETE" and params.get("propagationPolicy") in ("Background", "Foreground"):
            self.world.remove_where("Pod", namespace, f"job-name={name}")

    def _run(self, job: dict[str, Any], name: str, namespace: str) -> None:
        spec = self._spec(name, namespace)
        job["status"] = _status(spec.outcome, spec)  # the stored object: the world's own
        suffix = hashlib.sha256(name.encode()).hexdigest()[:5]
        pod = f"{name}-{suffix}"
        labels = {"job-name": name, "batch.kubernetes.io/job-name": name}
        template = ((job.get("spec") or {}).get("template") or {}).get("spec") or {}
        self.world.add(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": pod,
                    "namespace": namespace,
                    "labels": labels,
                    "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": name}],
                },
                "spec": template,
                "status": {"phase": _PHASES[spec.outcome]},
            }
        )
        self.logs[(namespace, pod)] = spec.logs
