"""clusterhealthcheck's reads that need more than a list: read-only commands in the etcd and
alertmanager pods, the API health endpoints, and the update graph walk for the EOL check."""

from __future__ import annotations

from cad.clients.kube import KINDS
from cad.errors import ClientError
from cad.investigations.clusterhealthcheck.alerts import (
    AlertsParseError,
    FiringAlert,
    parse_alerts,
)
from cad.investigations.clusterhealthcheck.checks import etcd_container, running_pod
from cad.investigations.framework.errors import InvestigationError
from cad.investigations.framework.readers import KubeRead, UpdateGraphRead

__all__ = [
    "ALERTS_COMMAND",
    "ETCD_COMMAND",
    "HealthProbeError",
    "api_health_answers",
    "etcd_health",
    "fetch_firing_alerts",
    "latest_minor",
]

ETCD_COMMAND = ["etcdctl", "endpoint", "health", "--cluster"]
ALERTS_COMMAND = ["wget", "-qO-", "http://localhost:9093/api/v2/alerts?active=true"]
EXEC_TIMEOUT_S = 30.0
ALERTS_LIMIT_BYTES = 8 * 1024 * 1024
MAX_MINORS_AHEAD = 10  # OpenShift ships a minor every ~4 months: plenty of headroom


class HealthProbeError(InvestigationError):
    """A probe could not produce its answer; ``output`` is what the command printed, if
    anything (shown instead of the error, as the original does)."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def api_health_answers(kube: KubeRead) -> tuple[str, str, str]:
    """``/healthz``, ``/livez``, ``/readyz``: each ``ok`` or ``error: ...``."""
    answers = []
    for endpoint in ("healthz", "livez", "readyz"):
        try:
            answers.append(kube.health(endpoint).strip())
        except ClientError as exc:
            answers.append(f"error: {exc}")
    return answers[0], answers[1], answers[2]


def etcd_health(kube: KubeRead, namespace: str = "openshift-etcd") -> str:
    """``etcdctl endpoint health --cluster`` in a running etcd pod; its output."""
    try:
        pods = kube.list(KINDS["Pod"], namespace=namespace, labels={"app": "etcd"})
        if not pods:
            pods = kube.list(KINDS["Pod"], namespace=namespace, labels={"k8s-app": "etcd"})
    except ClientError as exc:
        raise HealthProbeError(f"failed to list etcd pods: {exc}") from exc
    if not pods:
        raise HealthProbeError(f"no etcd pods found in namespace {namespace}")
    pod = running_pod(pods)
    if pod is None:
        raise HealthProbeError(f"no running etcd pods found in namespace {namespace}")
    try:
        result = kube.exec(
            namespace,
            pod["metadata"]["name"],
            ETCD_COMMAND,
            container=etcd_container(pod),
            timeout_s=EXEC_TIMEOUT_S,
        )
    except ClientError as exc:
        raise HealthProbeError(f"failed to exec etcdctl health check: {exc}") from exc
    output = result.stdout.strip()
    if not result.ok:
        raise HealthProbeError(
            "failed to exec etcdctl health check: command terminated with non-zero exit code "
            f"{result.exit_code}",
            output,
        )
    return output


def fetch_firing_alerts(kube: KubeRead) -> list[FiringAlert]:
    """Alertmanager's active alerts, read with wget inside a running alertmanager pod."""
    namespace = "openshift-monitoring"
    try:
        pods = kube.list(
            KINDS["Pod"], namespace=namespace, labels={"app.kubernetes.io/name": "alertmanager"}
        )
    except ClientError as exc:
        raise HealthProbeError(f"failed to list alertmanager pods: {exc}") from exc
    pod = running_pod(pods)
    if pod is None:
        raise HealthProbeError("no running alertmanager pods found in openshift-monitoring")
    try:
        result = kube.exec(
            namespace,
            pod["metadata"]["name"],
            ALERTS_COMMAND,
            container="alertmanager",
            timeout_s=EXEC_TIMEOUT_S,
            limit_bytes=ALERTS_LIMIT_BYTES,
        )
    except ClientError as exc:
        raise HealthProbeError(f"failed to exec in alertmanager pod: {exc}") from exc
    if not result.ok:
        raise HealthProbeError(
            "failed to exec in alertmanager pod: command terminated with non-zero exit code "
            f"{result.exit_code}"
        )
    try:
        return parse_alerts(result.stdout)
    except AlertsParseError as exc:
        raise HealthProbeError(str(exc)) from exc


def latest_minor(graph: UpdateGraphRead, prefix: str, current_minor: int) -> int:
    """The newest minor whose ``<prefix>-4.<minor>`` channel has releases, walking up from
    ``current_minor`` until a channel is empty (at most 9 channels ahead). Raises
    :class:`ClientError` when the graph cannot be read."""
    latest = current_minor
    for minor in range(current_minor + 1, current_minor + MAX_MINORS_AHEAD):
        if not graph.graph(f"{prefix}-4.{minor}").versions:
            break
        latest = minor
    return latest
