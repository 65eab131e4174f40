"""machinehealthcheckunterminatedshortcircuitsre: a MachineHealthCheck stopped remediating
(short-circuited); find each affected machine or node and recommend one action for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from pydantic import ValidationError

from cad.actions import NoteWriter, escalate, note_and_report_from
from cad.clients.kube import KINDS
from cad.errors import ClientError
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import (
    InfrastructureError,
    KubeClientError,
    RestConfigError,
)
from cad.investigations.framework.findings import cluster_unreachable
from cad.investigations.framework.readers import KubeRead
from cad.investigations.framework.resources import Resources
from cad.investigations.machinehealthcheckunterminatedshortcircuitsre.checks import (
    MACHINE_NAMESPACE,
    Recommendations,
    deleting_machine_recommendation,
    failing_machine_recommendation,
    is_failed,
    node_recommendation,
    remediation_allowed,
)
from cad.investigations.machinehealthcheckunterminatedshortcircuitsre.models import (
    Machine,
    MachineHealthCheck,
    Node,
    SelectorError,
)

_T = TypeVar("_T", Machine, MachineHealthCheck, Node)

NO_MACHINES = "no machines found for short-circuited machinehealthcheck objects"


@dataclass
class _Run:
    """The state of one run: the singleton of the original held this; here each run makes
    its own and nothing outlives it."""

    kube: KubeRead
    notes: NoteWriter
    now: datetime
    recommendations: Recommendations = field(default_factory=Recommendations)
    _nodes: dict[str, Node] | None = None

    def nodes(self) -> dict[str, Node]:
        """Every node by name, listed once (one call instead of one per machine)."""
        if self._nodes is None:
            nodes = _read(self, Node, None, "K8s API failure listing nodes")
            self._nodes = {n.name: n for n in nodes}
        return self._nodes


class MachineHealthCheckUnterminatedShortCircuitSre(Investigation):
    """Recommends one action per machine or node a short-circuited MHC covers; escalates."""

    name = "machinehealthcheckunterminatedshortcircuitsre"
    aliases = ("machine-health-check",)
    description = "MachineHealthCheck short-circuited: what blocks each affected machine or node"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes()
        try:
            kube = resources.kube
        except (RestConfigError, KubeClientError) as error:
            return cluster_unreachable(notes, error)
        run = _Run(kube=kube, notes=notes, now=resources.now())
        targets = self._target_machines(run)
        if not targets:
            notes.warning(NO_MACHINES)
            return self._result(
                resources, notes, "No machines found for short-circuited MHC objects"
            )
        investigated = self._investigate_machines(run, targets)
        remaining = [m for m in targets if m.name not in investigated]
        self._investigate_nodes(run, remaining)
        if run.recommendations:
            notes.warning(run.recommendations.summarize())
        else:
            notes.success("no recommended actions to take against cluster")
        return self._result(resources, notes, "MachineHealthCheck investigation complete")

    def _result(self, resources: Resources, notes: NoteWriter, reason: str) -> Result:
        report = note_and_report_from(notes, resources.cluster.id, self.name, now=resources.now())
        return Result(actions=[*report, escalate(reason)])

    def _target_machines(self, run: _Run) -> list[Machine]:
        """The machines of every check that does not allow remediation, each once."""
        checks = _read(
            run,
            MachineHealthCheck,
            MACHINE_NAMESPACE,
            "K8s API failure listing MachineHealthChecks",
        )
        failing = [mhc for mhc in checks if not remediation_allowed(mhc)]
        if not failing:
            return []
        machines = _read(run, Machine, MACHINE_NAMESPACE, "K8s API failure listing machines")
        targets: dict[str, Machine] = {}
        for mhc in failing:
            try:
                selected = [m for m in machines if mhc.spec.selector.matches(m.metadata.labels)]
            except SelectorError as exc:
                run.notes.warning(
                    f'failed to retrieve machines from machinehealthcheck "{mhc.name}": '
                    f'failed to convert machinehealthcheck "{mhc.name}" .spec.selector: {exc}'
                )
                continue
            for machine in selected:
                targets.setdefault(machine.name, machine)
        return list(targets.values())

    def _investigate_machines(self, run: _Run, targets: list[Machine]) -> set[str]:
        """Recommend for deleting and failed machines; the names of those investigated."""
        investigated: set[str] = set()
        errors: list[str] = []
        for machine in targets:
            if machine.metadata.deletion_timestamp is not None:
                node = run.nodes().get(machine.node_name) if machine.node_name else None
                rec, error = deleting_machine_recommendation(machine, node, run.now)
                kind = "deleting"
            elif is_failed(machine):
                rec, error = failing_machine_recommendation(machine)
                kind = "failing"
            else:
                continue
            investigated.add(machine.name)
            run.recommendations.add(rec)
            if error:
                errors.append(f"failed to investigate {kind} machine: {error}")
        if errors:
            run.notes.warning("failed to investigate machines: " + "\n".join(errors))
        if not investigated:
            run.notes.success("no deleting or Failed machines found")
        return investigated

    def _investigate_nodes(self, run: _Run, machines: list[Machine]) -> None:
        """Recommend for the nodes of machines that are neither deleting nor failed; machines
        without a node (or whose node is gone) are skipped, as the original does."""
        with_nodes = [m for m in machines if m.node_name]
        if not with_nodes:
            return
        nodes = run.nodes()
        for machine in with_nodes:
            node = nodes.get(machine.node_name)
            if node is None:
                continue
            rec = node_recommendation(node, run.now)
            if rec is not None:
                run.recommendations.add(rec)


def _read(run: _Run, model: type[_T], namespace: str | None, context: str) -> list[_T]:
    """Every object of the model's kind (in ``namespace``); an object that does not parse is
    left out with a warning, so one odd object does not hide the others."""
    kind = model.__name__
    try:
        objects = run.kube.list(KINDS[kind], namespace=namespace)
    except ClientError as exc:
        raise InfrastructureError(context, exc) from exc
    parsed: list[_T] = []
    for obj in objects:
        metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        if namespace is not None and (metadata or {}).get("namespace", namespace) != namespace:
            continue  # a reader that ignores the namespace (the in-memory fake) must not widen it
        try:
            parsed.append(model.model_validate(obj))
        except ValidationError as exc:
            name = (metadata or {}).get("name", "?")
            run.notes.warning(f"could not read {kind} {name!r}: {exc.error_count()} invalid fields")
    return parsed
