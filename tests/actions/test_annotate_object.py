"""``annotate_object``: validated, previewed without a write, probed, applied once by a merge
patch, on the cluster or its management cluster. Real clients against the simulators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cad.actions import AnnotateObject, action_class, action_from_json, action_to_json, silence
from cad.clients.factory import Clients, build_clients
from cad.domain import ClusterRef, IncidentRef
from cad.errors import ActionValidationError
from cad.executor import (
    ExecutionContext,
    ExecutionOptions,
    Executor,
    InMemoryLedger,
    Outcome,
    WriteClients,
    validate_actions,
)
from cad.simulators.kube import KubeWorld
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec, KubernetesSpec, WorldSpec
from cad.testing import VirtualClock

RESTART = "hypershift.openshift.io/restart-date"
HC = {
    "apiVersion": "hypershift.openshift.io/v1beta1",
    "kind": "HostedCluster",
    "metadata": {"name": "my-hcp", "namespace": "ocm-production-h1", "annotations": {"a": "b"}},
}
CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "ns"}}
INCIDENT = IncidentRef(id="Q1", title="RestartControlPlane")


def annotate(**fields: Any) -> AnnotateObject:
    values: dict[str, Any] = {
        "kind": "HostedCluster",
        "name": "my-hcp",
        "namespace": "ocm-production-h1",
        "annotations": {RESTART: "2026-12-03T10:00:00Z"},
        "management_cluster": True,
    }
    return AnnotateObject(**{**values, **fields})


@pytest.fixture
def management(sandbox: Sandbox) -> KubeWorld:
    sandbox.seed(
        WorldSpec(
            clusters=[
                ClusterSpec(
                    id="h1", name="my-hcp", hcp=True, kubernetes=KubernetesSpec(objects=[CM])
                )
            ]
        )
    )
    sandbox.create_incident(INCIDENT.id, INCIDENT.title)
    world = KubeWorld([HC])
    sandbox.backplane.add_management_api("h1", world)
    sandbox.backplane.writes.clear()
    return world


@pytest.fixture
def clients(sandbox: Sandbox) -> Iterator[Clients]:
    built = build_clients(sandbox.settings())
    yield built
    built.close()


@pytest.fixture
def executor() -> Iterator[Executor]:
    clock = VirtualClock()
    with Executor.standard(ledger=InMemoryLedger(), clock=clock, sleep=clock.sleep) as instance:
        yield instance


def mine(report: Any) -> list[tuple[str, Outcome]]:
    """The outcomes of the annotation and the silence (not the executor's own note)."""
    return [o for o in report.outcomes() if o[0] in ("annotate_object", "silence_incident")]


def context(clients: Clients) -> ExecutionContext:
    return ExecutionContext(
        investigation="restartcontrolplane",
        cluster=ClusterRef(id="h1", external_id="ext-h1", name="my-hcp", product="rosa"),
        incident=INCIDENT,
        clients=WriteClients(kube=clients.kube_writer, pagerduty=clients.pagerduty_writer),
    )


def test_the_type_is_registered_and_round_trips_through_json() -> None:
    action = annotate()
    assert action_class("annotate_object") is AnnotateObject
    assert action_from_json(action_to_json(action)) == action


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"kind": "Gadget"}, "unknown kind 'Gadget'"),
        ({"namespace": ""}, "HostedCluster is namespaced"),
        ({"kind": "Node", "namespace": "x"}, "Node is not namespaced"),
        ({"name": " "}, "the object name is empty"),
        ({"annotations": {}}, "there is no annotation to set"),
        ({"annotations": {"bad key!": "v"}}, "invalid annotation key"),
    ],
)
def test_an_invalid_annotation_is_refused_before_anything_runs(
    fields: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ActionValidationError, match=problem):
        validate_actions([annotate(**fields)])


def test_a_dry_run_describes_the_patch_and_writes_nothing(
    sandbox: Sandbox, management: KubeWorld, clients: Clients, executor: Executor
) -> None:
    report = executor.execute(
        [annotate(), silence("restarted")], context(clients), ExecutionOptions(dry_run=True)
    )
    assert mine(report) == [
        ("annotate_object", Outcome.DRY_RUN),
        ("silence_incident", Outcome.DRY_RUN),
    ]
    [record] = [r for r in report.records if r.type == "annotate_object"]
    assert "HostedCluster ocm-production-h1/my-hcp on the management cluster" in str(
        record.model_dump()
    )
    assert len(sandbox.backplane.writes) == 0
    assert management.writes == []


def test_the_annotation_is_merged_on_the_management_cluster_before_the_silence(
    sandbox: Sandbox, management: KubeWorld, clients: Clients, executor: Executor
) -> None:
    report = executor.execute(
        [silence("restarted"), annotate()], context(clients), ExecutionOptions()
    )
    assert mine(report) == [
        ("annotate_object", Outcome.SUCCEEDED),
        ("silence_incident", Outcome.SUCCEEDED),
    ]
    [patched] = [o for o in management._objects if o["kind"] == "HostedCluster"]
    assert patched["metadata"]["annotations"] == {"a": "b", RESTART: "2026-12-03T10:00:00Z"}
    assert [w["method"] for w in management.writes] == ["PATCH"]


def test_an_annotation_already_set_is_skipped_by_the_probe(
    management: KubeWorld, clients: Clients, executor: Executor
) -> None:
    already_set = {
        **HC,
        "metadata": {**HC["metadata"], "annotations": {RESTART: "2026-12-03T10:00:00Z"}},
    }  # type: ignore[dict-item]
    management._objects[:] = [already_set]
    report = executor.execute([annotate()], context(clients), ExecutionOptions())
    assert mine(report) == [("annotate_object", Outcome.SKIPPED)]
    assert management.writes == []


def test_a_failed_annotation_means_no_silence(
    sandbox: Sandbox, management: KubeWorld, clients: Clients, executor: Executor
) -> None:
    sandbox.faults("kubernetes").add(method="PATCH", path="*hostedclusters/my-hcp", status=403)
    report = executor.execute(
        [annotate(), silence("restarted")], context(clients), ExecutionOptions()
    )
    outcomes = mine(report)
    assert outcomes[0] == ("annotate_object", Outcome.FAILED)
    assert ("silence_incident", Outcome.SUCCEEDED) not in outcomes
    assert management.writes == []


def test_a_redelivery_with_another_time_does_not_annotate_twice(
    management: KubeWorld, clients: Clients, executor: Executor
) -> None:
    executor.execute([annotate()], context(clients), ExecutionOptions())
    later = annotate(annotations={RESTART: "2026-12-03T10:05:00Z"})
    report = executor.execute([later], context(clients), ExecutionOptions())
    assert mine(report) == [("annotate_object", Outcome.SKIPPED)]
    assert [w["method"] for w in management.writes] == ["PATCH"]
