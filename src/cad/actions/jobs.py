"""Kubernetes Jobs run to completion, on the cluster or on its HCP management cluster:
create the Job, wait for it with a timeout, read its pod's log, delete it (its pod with it).

:func:`run_job` is the shared procedure; :class:`RunJob` is the action for a one-container
Job, and :class:`~cad.actions.etcd.EtcdSnapshot` runs its own manifest through the same code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import structlog
import yaml
from pydantic import Field

from cad.actions.base import Action, ActionTarget, EffectMetric, Lane
from cad.clients.models import KINDS
from cad.errors import CADError, ClientError, is_transient

__all__ = [
    "CLEANUP",
    "JOB",
    "JOB_SLACK_SECONDS",
    "LOG",
    "MAX_JOB_SECONDS",
    "JobFailedError",
    "JobRun",
    "RunJob",
    "dns_label_problems",
    "job_manifest",
    "job_name",
    "manifest_preview",
    "run_job",
]

JOB = "job"
"""The fact a Job run records once it succeeded: ``<namespace>/<name>`` of the Job."""
LOG = "log"
"""The fact a Job run records: its pod's log (its first ``MAX_LOG_FACT`` characters)."""
CLEANUP = "cleanup"
"""The fact a Job run records: ``success`` when the Job was deleted, else ``failure``."""
MAX_JOB_SECONDS = 3600.0
MAX_LOG_FACT = 64 * 1024
POLL_SECONDS = 5.0
TTL_SECONDS = 600
"""Kubernetes deletes a finished Job CAD could not delete after this long."""
JOB_SLACK_SECONDS = 60.0
"""Beyond a Job's timeout: creating it, reading its log and deleting it."""

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_JOBS = KINDS["Job"]
_PODS = KINDS["Pod"]
log = structlog.get_logger("cad.actions.jobs")


class JobFailedError(CADError):
    """A Job failed, vanished, or did not finish in time; CAD deleted it (not retried)."""


def job_name(prefix: str, target: ActionTarget, key: str) -> str:
    """The Job's name: ``prefix`` and a digest of the run and the action's dedupe key, the
    same in every attempt and re-delivery of a run, so that a retry finds the Job an
    earlier attempt created instead of creating another."""
    digest = hashlib.sha256(f"{target.run}|{key}".encode()).hexdigest()[:8]
    return f"{prefix}-{digest}"


def job_manifest(
    name: str,
    namespace: str,
    pod_spec: dict[str, Any],
    *,
    timeout_s: float,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A batch/v1 Job running ``pod_spec`` once (no retry of a failed pod), which Kubernetes
    stops after ``timeout_s`` and deletes ``TTL_SECONDS`` after it finished."""
    meta_labels = {"app.kubernetes.io/managed-by": "cad", **(labels or {})}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": namespace, "labels": meta_labels},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": max(1, int(timeout_s)),
            "ttlSecondsAfterFinished": TTL_SECONDS,
            "template": {
                "metadata": {"labels": meta_labels},
                "spec": {"restartPolicy": "Never", **pod_spec},
            },
        },
    }


@dataclass(frozen=True)
class JobRun:
    """A Job that ran to completion: where, its pod, its log, whether an earlier attempt
    had created it, and whether CAD deleted it afterwards."""

    namespace: str
    name: str
    pod: str
    log: str
    adopted: bool
    deleted: bool


def _finished(job: dict[str, Any]) -> tuple[str, str] | None:
    """``("succeeded"|"failed", message)`` once the Job finished, else ``None``."""
    state = job.get("status") or {}
    for condition in state.get("conditions") or []:
        if condition.get("status") != "True":
            continue
        if condition.get("type") == "Complete":
            return "succeeded", ""
        if condition.get("type") == "Failed":
            reason = condition.get("reason") or "Failed"
            return "failed", f"{reason}: {condition.get('message') or 'the pod failed'}"
    if int(state.get("succeeded") or 0) > 0:
        return "succeeded", ""
    if int(state.get("failed") or 0) > 0:
        return "failed", "its pod failed"
    return None


class _Job:
    """One Job on one cluster, through the Kubernetes write client."""

    def __init__(self, target: ActionTarget, manifest: dict[str, Any], management: bool) -> None:
        self.target = target
        self.kube = target.require_kube()
        self.cluster = target.require_cluster().id
        self.manifest = manifest
        self.name = str(manifest["metadata"]["name"])
        self.namespace = str(manifest["metadata"]["namespace"])
        self.management = management
        self.where = f"Job {self.namespace}/{self.name}"

    def get(self) -> dict[str, Any] | None:
        return self.kube.get(
            self.cluster, _JOBS, self.name, namespace=self.namespace, management=self.management
        )

    def start(self) -> bool:
        """Create the Job unless it exists; True when an earlier attempt had created it."""
        if self.get() is not None:
            return True
        try:
            self.kube.create(self.cluster, _JOBS, self.manifest, management=self.management)
        except ClientError as exc:
            if exc.status == 409:  # created by an attempt whose answer was lost
                return True
            raise
        return False

    def wait(self, timeout_s: float) -> None:
        """Return once the Job succeeded; raise :class:`JobFailedError` when it failed,
        vanished, or is not done after ``timeout_s`` (or at the execution's deadline)."""
        target = self.target
        started, waited, interval = target.clock(), 0.0, 1.0
        while True:
            job = self.get()
            if job is None:
                raise JobFailedError(f"{self.where} disappeared before it finished")
            verdict = _finished(job)
            if verdict is not None:
                if verdict[0] == "failed":
                    raise JobFailedError(f"{self.where} failed: {verdict[1]}")
                return
            elapsed = max(waited, target.clock() - started)
            left = min(timeout_s - elapsed, target.time_left())
            if left <= 0:
                raise JobFailedError(
                    f"{self.where} did not finish within {elapsed:.0f} s (timeout {timeout_s:g} s)"
                )
            pause = min(interval, left)
            target.sleep(pause)
            waited += pause
            interval = min(interval * 2, POLL_SECONDS)

    def read_log(self, container: str) -> tuple[str, str]:
        """The pod of the Job that succeeded and its container's log."""
        pods = self.kube.list(
            self.cluster,
            _PODS,
            namespace=self.namespace,
            label_selector=f"job-name={self.name}",
            management=self.management,
        )
        done = [p for p in pods if (p.get("status") or {}).get("phase") == "Succeeded"] or pods
        if not done:
            raise JobFailedError(f"{self.where} finished but its pod is gone: no log to read")
        pod = str((done[-1].get("metadata") or {}).get("name"))
        text = self.kube.logs(
            self.cluster, self.namespace, pod, container=container, management=self.management
        )
        return pod, text

    def delete(self) -> bool:
        """Delete the Job and its pods; False (logged) when that failed: its TTL removes it."""
        try:
            self.kube.delete(
                self.cluster,
                _JOBS,
                self.name,
                namespace=self.namespace,
                management=self.management,
                propagation="Background",
            )
        except ClientError as exc:
            log.warning("could not delete the job", job=self.where, error=str(exc))
            return False
        return True


def run_job(
    target: ActionTarget,
    manifest: dict[str, Any],
    *,
    container: str,
    timeout_s: float,
    management: bool,
) -> JobRun:
    """Run the Job ``manifest`` describes to completion and return its pod's log.

    A Job an earlier attempt created (same name) is waited for, not created again. A Job that
    failed or ran out of time is deleted and :class:`JobFailedError` raised, and so is one
    whose wait or log read failed for good (a 403, its pod gone); a transient error leaves
    the Job for the retry to find (its TTL removes it if no retry comes). Records the facts ``job``,
    ``log`` and ``cleanup`` on ``target``.
    """
    job = _Job(target, manifest, management)
    adopted = job.start()
    try:
        job.wait(timeout_s)
        pod, text = job.read_log(container)
    except Exception as exc:
        if not is_transient(exc):  # no retry will come for this Job: clean up now
            target.facts[CLEANUP] = "success" if job.delete() else "failure"
        raise
    target.facts[LOG] = text[:MAX_LOG_FACT]
    deleted = job.delete()
    target.facts[CLEANUP] = "success" if deleted else "failure"
    target.facts[JOB] = f"{job.namespace}/{job.name}"  # last: it marks the run done
    return JobRun(job.namespace, job.name, pod, text, adopted, deleted)


def dns_label_problems(what: str, value: str, *, max_length: int = 63) -> list[str]:
    """Why ``value`` is not a valid DNS-1123 label of at most ``max_length`` characters."""
    if not value.strip():
        return [f"the {what} is empty"]
    if len(value) > max_length or not _DNS_LABEL.match(value):
        return [f"the {what} {value!r} is not a DNS-1123 label of at most {max_length} characters"]
    return []


class RunJob(Action):
    """Run ``command`` in ``image`` as a Job in ``namespace`` (on the management cluster
    when ``management_cluster``), wait at most ``timeout_seconds``, read its log, delete it.

    The Job is named ``<name>-<digest of the run>``: every attempt and re-delivery of a run
    names the same Job, so a retry waits for the Job an earlier attempt created. The probe
    recalls a Job this incident already ran; its log is the fact ``log``. Counted by
    ``cad_kubernetes_jobs_total{cluster_role}``.
    """

    type: Literal["run_job"] = "run_job"
    name: str
    namespace: str
    image: str
    command: list[str]
    container: str = "job"
    timeout_seconds: float = Field(default=300.0)
    management_cluster: bool = False

    lane: ClassVar[Lane] = Lane.KUBERNETES
    label: ClassVar[str] = "Job"
    short_label: ClassVar[str] = "job"
    restricted: ClassVar[bool] = True
    effect_metric: ClassVar[EffectMetric | None] = EffectMetric(
        "cad_kubernetes_jobs_total",
        "Kubernetes Jobs CAD ran to completion",
        ("cluster_role",),
    )

    def problems(self) -> list[str]:
        found = dns_label_problems("Job name", self.name, max_length=54)
        found += dns_label_problems("namespace", self.namespace)
        found += dns_label_problems("container name", self.container)
        if not self.image.strip():
            found.append("the image is empty")
        if not self.command or not all(part.strip() for part in self.command[:1]):
            found.append("the command is empty")
        if not 0 < self.timeout_seconds <= MAX_JOB_SECONDS:
            found.append(f"the timeout must be above 0 and at most {MAX_JOB_SECONDS:g} s")
        return found

    def time_needed_s(self) -> float:
        return self.timeout_seconds + JOB_SLACK_SECONDS

    def _cluster(self) -> str:
        return "the management cluster" if self.management_cluster else "the cluster"

    def describe(self) -> str:
        return (
            f"run Job {self.namespace}/{self.name}-* ({self.image}) on {self._cluster()}, "
            f"at most {self.timeout_seconds:g} s"
        )

    def manifest(self, target: ActionTarget) -> dict[str, Any]:
        """The Job this action creates for ``target``'s run."""
        container = {"name": self.container, "image": self.image, "command": list(self.command)}
        return job_manifest(
            job_name(self.name, target, self.dedupe_key()),
            self.namespace,
            {"containers": [container]},
            timeout_s=self.timeout_seconds,
        )

    def preview(self, target: ActionTarget) -> str:
        return manifest_preview(self.describe(), self.manifest(target))

    def metric_labels(self) -> dict[str, str]:
        return {"cluster_role": "management" if self.management_cluster else "cluster"}

    def probe(self, target: ActionTarget) -> str | None:
        done = target.recall(self.action_type, JOB)
        mine = job_name(self.name, target, self.dedupe_key())
        if done is not None and done == f"{self.namespace}/{mine}":
            return f"Job {done} already ran for this incident"
        return None

    def apply(self, target: ActionTarget) -> str | None:
        run = run_job(
            target,
            self.manifest(target),
            container=self.container,
            timeout_s=self.timeout_seconds,
            management=self.management_cluster,
        )
        return (
            f"CAD ran Job {run.namespace}/{run.name} on {self._cluster()} "
            f"({len(run.log)} characters of log)"
        )


def manifest_preview(description: str, manifest: dict[str, Any]) -> str:
    """A dry run's text: the description, then the manifest CAD would create, as YAML."""
    return f"{description}\nwould create, then delete once it finished:\n" + yaml.safe_dump(
        manifest, sort_keys=False
    )
