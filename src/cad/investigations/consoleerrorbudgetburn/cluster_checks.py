"""The checks that look inside the cluster (phase 1 of the original): the probe and its
history, allowedSourceRanges, upstream DNS, the router and console pods, the console service
and the console's nodes. Each reads, asks the pure modules, and writes its note lines; a read
that fails is a ⚠️ line, as in the original, and decides nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from cad.actions import NoteWriter
from cad.clients.kube import KINDS, Kind
from cad.errors import ClientError
from cad.investigations.consoleerrorbudgetburn import probe, workloads
from cad.investigations.consoleerrorbudgetburn.checks import (
    ClusterFacts,
    Line,
    allowed_source_ranges_finding,
    console_service_line,
    machine_cidr_problem,
    upstream_dns_line,
)
from cad.investigations.framework.errors import InvestigationError
from cad.investigations.framework.readers import KubeRead

__all__ = ["ClusterChecks", "Exec", "PodCommandError", "write"]

DNS = Kind(
    group="operator.openshift.io", version="v1", kind="DNS", plural="dnses", namespaced=False
)
SERVICE = Kind(group="", version="v1", kind="Service", plural="services", namespaced=True)
INGRESS_OPERATOR = "openshift-ingress-operator"

# Runs a read-only command in a container of a pod: (namespace, pod, container, command) to
# its standard output. Raises PodCommandError (or a ClientError) when it could not.
Exec = Callable[[str, str, str, Sequence[str]], str]


class PodCommandError(InvestigationError):
    """A command could not be run in a pod, or failed there (the message says which)."""


def write(notes: NoteWriter, lines: Sequence[Line] | Line) -> None:
    """Append note lines (one, or several) in order."""
    for kind, text in [lines] if isinstance(lines, tuple) else lines:
        (notes.success if kind == "success" else notes.warning)(text)


class ClusterChecks:
    """Phase 1 against one cluster's API; reads shared between checks are made once."""

    def __init__(
        self,
        kube: KubeRead,
        exec_in_pod: Exec,
        facts: ClusterFacts,
        notes: NoteWriter,
        now: datetime,
    ) -> None:
        self.kube = kube
        self.exec = exec_in_pod
        self.facts = facts
        self.notes = notes
        self.now = now
        self._ingress_controller: dict[str, Any] | ClientError | None = None

    def ingress_controller(self) -> dict[str, Any] | ClientError:
        """The default IngressController, or the error reading it (read once)."""
        if self._ingress_controller is None:
            try:
                self._ingress_controller = self.kube.get(
                    KINDS["IngressController"], "default", namespace=INGRESS_OPERATOR
                )
            except ClientError as exc:
                self._ingress_controller = exc
        return self._ingress_controller

    # --- 1. the probe ------------------------------------------------------------------------

    def _run_in_first_running_pod(
        self, namespace: str, labels: dict[str, str], container: str, command: Sequence[str]
    ) -> str:
        try:
            pods = self.kube.list(KINDS["Pod"], namespace=namespace, labels=dict(labels))
        except ClientError as exc:
            raise PodCommandError(f"failed to list {container} pods: {exc}") from exc
        pod = workloads.first_running_pod(pods)
        if pod is None:
            raise PodCommandError(f"no running {container} pod found in {namespace}")
        name = str((pod.get("metadata") or {}).get("name") or "")
        try:
            return self.exec(namespace, name, container, command).strip()
        except (PodCommandError, ClientError) as exc:
            raise PodCommandError(f"exec failed: {exc}") from exc

    def blackbox_probe(self) -> None:
        """Check 1: the exporter's probe of the console, and (classic) its last hour."""
        url = self.facts.console_url
        if not url:
            self.notes.warning("Blackbox Probe: unable to determine console URL from cluster info")
            return
        try:
            output = self._run_in_first_running_pod(
                probe.BLACKBOX_NAMESPACE,
                probe.BLACKBOX_LABELS,
                probe.BLACKBOX_CONTAINER,
                probe.probe_command(url),
            )
        except PodCommandError as exc:
            self.notes.warning(f"Blackbox Probe: failed to query blackbox exporter - {exc}")
            return
        write(self.notes, probe.probe_line(url, probe.parse_probe_response(output)))
        if self.facts.hcp:
            self.notes.success(probe.HCP_HISTORY_SKIPPED)
            return
        try:
            history = self._run_in_first_running_pod(
                probe.CMO_NAMESPACE,
                probe.CMO_LABELS,
                probe.CMO_CONTAINER,
                probe.history_command(url, self.now),
            )
        except PodCommandError as exc:
            self.notes.warning(f"Probe History: unable to query Prometheus — {exc}")
            return
        write(self.notes, probe.history_line(history))

    # --- 2. allowedSourceRanges -------------------------------------------------------------

    def allowed_source_ranges(self) -> bool:
        """Check 2 (classic): whether the ranges leave the machine CIDR out."""
        machine = self.facts.machine_cidr
        problem = machine_cidr_problem(machine)
        if problem is not None:
            write(self.notes, problem)
            return False
        controller = self.ingress_controller()
        if isinstance(controller, ClientError):
            self.notes.warning(
                f"AllowedSourceRanges: failed to get default IngressController - {controller}"
            )
            return False
        line, found = allowed_source_ranges_finding(machine, controller)
        write(self.notes, line)
        return found

    # --- 3. to 7. -------------------------------------------------------------------------------

    def upstream_dns(self) -> None:
        """Check 3: customer-configured upstream resolvers."""
        try:
            dns = self.kube.get(DNS, "default")
        except ClientError as exc:
            self.notes.warning(f"DNS: failed to get dns.operator.openshift.io/default - {exc}")
            return
        write(self.notes, upstream_dns_line(dns))

    def pod_health(
        self, namespace: str, label: str, labels: dict[str, str]
    ) -> list[dict[str, Any]] | ClientError:
        """Checks 4 and 6: the pods' health and warning events; returns the pods (or the
        error listing them)."""
        try:
            pods = self.kube.list(KINDS["Pod"], namespace=namespace, labels=dict(labels))
        except ClientError as exc:
            self.notes.warning(f"{label}: failed to list pods in {namespace} - {exc}")
            return exc
        events: list[dict[str, Any]] | str = []
        if pods:
            try:
                events = self.kube.list(KINDS["Event"], namespace=namespace)
            except ClientError as exc:
                events = str(exc)
        write(self.notes, workloads.pod_health_lines(label, namespace, pods, events, self.now))
        return pods

    def console_service(self) -> None:
        """Check 5: the console service's HTTP status from inside the cluster."""
        try:
            code = self._run_in_first_running_pod(
                probe.CMO_NAMESPACE,
                probe.CMO_LABELS,
                probe.CMO_CONTAINER,
                probe.CONSOLE_SERVICE_COMMAND,
            )
        except PodCommandError as exc:
            self.notes.warning(f"Console Service: unable to reach console service - {exc}")
            return
        write(self.notes, console_service_line(code))

    def node_health(self, console_pods: list[dict[str, Any]] | ClientError) -> None:
        """Check 7: the nodes running console pods, and their utilization."""
        if isinstance(console_pods, ClientError):
            self.notes.warning(f"Node Health: failed to list console pods - {console_pods}")
            return
        names = workloads.console_nodes(console_pods)
        if not names:
            self.notes.warning("Node Health: no console pods found to determine nodes")
            return
        issues: list[str] = []
        capacities: dict[str, dict[str, Any]] = {}
        for name in names:
            try:
                node = self.kube.get(KINDS["Node"], name)
            except ClientError as exc:
                issues.append(f"{name}: failed to get node - {exc}")
                continue
            capacities[name] = dict((node.get("status") or {}).get("capacity") or {})
            issues += workloads.node_issues(node)
        write(self.notes, workloads.node_health_line(len(capacities), issues))
        try:
            metrics = self.kube.list(KINDS["NodeMetrics"])
        except ClientError as exc:
            self.notes.warning(f"Node Utilization: unable to query metrics API - {exc}")
            return
        write(self.notes, workloads.node_utilization_lines(metrics, capacities))
