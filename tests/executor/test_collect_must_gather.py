"""The ``collect_must_gather`` action through the real clients, against the sandbox's
Kubernetes API (its must-gather pods) and SFTP server: a dry run asks nothing, the archive
holds the world's files, a failure cleans up, a re-run repeats nothing."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cad.actions import CollectMustGather, note
from cad.actions.mustgather import archive_name
from cad.clients.factory import Clients, build_clients
from cad.domain import ClusterRef, IncidentRef
from cad.errors import ActionValidationError
from cad.executor import (
    ExecutionContext,
    ExecutionOptions,
    Executor,
    ExecutorMetrics,
    Outcome,
    WriteClients,
    validate_actions,
)
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec, KubernetesSpec, WorldSpec
from cad.testing import FakePagerDuty

CLUSTER = ClusterRef(id="c1", external_id="ext-c1", name="my-cluster", product="rosa")
FILES = {
    "timestamp": "2026-12-03 10:00:00 +0000 UTC",
    "quay-io-ocp/cluster-scoped-resources/nodes.yaml": "kind: NodeList\n",
}
ACTION = CollectMustGather(image="quay.io/openshift/must-gather:4.16", product="ROSA classic")


@pytest.fixture
def clients(sandbox: Sandbox) -> Iterator[Clients]:
    built = build_clients(sandbox.settings())
    yield built
    built.close()


def seed(sandbox: Sandbox, outcome: str = "succeeded") -> None:
    must_gather = {"outcome": outcome, "files": FILES}
    kube = KubernetesSpec.model_validate({"must_gather": must_gather})
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1", kubernetes=kube)]))
    sandbox.backplane.writes.clear()


def context(clients: Clients, pagerduty: FakePagerDuty, incident: str) -> ExecutionContext:
    pagerduty.add_incident(incident, "CreateMustGather")
    return ExecutionContext(
        investigation="mustgather",
        alert="CreateMustGather",
        cluster=CLUSTER,
        incident=IncidentRef(id=incident, title="CreateMustGather"),
        clients=WriteClients(
            pagerduty=pagerduty, kube=clients.kube_writer, sftp=clients.sftp_writer
        ),
    )


def kube_writes(sandbox: Sandbox) -> list[str]:
    return [f"{w['method']} {w['kind']} {w['name']}" for _, w in sandbox.kube_writes()]


def test_an_invalid_image_or_product_is_refused_before_anything_runs() -> None:
    with pytest.raises(ActionValidationError, match="invalid must-gather image"):
        validate_actions([CollectMustGather(image="not an image")])
    with pytest.raises(ActionValidationError, match="unknown product"):
        validate_actions([CollectMustGather(image="quay.io/x:1", product="OSD")])


def test_a_dry_run_previews_the_manifests_and_makes_no_request_at_all(
    sandbox: Sandbox, executor: Executor, pagerduty: FakePagerDuty, clients: Clients
) -> None:
    seed(sandbox)
    requests_before = sandbox.backplane.kube["c1"].requests
    report = executor.execute(
        [ACTION, note("Collecting.")],
        context(clients, pagerduty, "QDRY"),
        ExecutionOptions(dry_run=True),
    )
    assert report.outcomes()[0] == ("collect_must_gather", Outcome.DRY_RUN)
    preview = report.records[0].preview or ""
    for text in (
        "kind: Namespace",
        "kind: ServiceAccount",
        "kind: ClusterRoleBinding",
        "kind: Pod",
    ):
        assert text in preview
    assert "name: cluster-admin" in preview
    assert "tar cf - -C /must-gather ." in preview
    # Not a remediation opened, not a Kubernetes request, not an SFTP token asked for
    assert sandbox.backplane.open_remediations() == []
    assert sandbox.backplane.writes.records == []
    assert sandbox.backplane.kube["c1"].requests == requests_before
    assert sum(sandbox.writes().values()) == 0


def test_the_archive_holds_the_worlds_files_and_everything_created_is_deleted(
    sandbox: Sandbox,
    executor: Executor,
    metrics: ExecutorMetrics,
    pagerduty: FakePagerDuty,
    clients: Clients,
) -> None:
    seed(sandbox)
    report = executor.execute([ACTION], context(clients, pagerduty, "QOK"))
    [record] = report.records
    assert record.outcome is Outcome.SUCCEEDED
    # The archive is named as the original names it and holds exactly the gathered files
    remote = record.facts["remote_path"]
    assert Path(remote).name.endswith("-must-gather-c1.tar.gz")
    stored = sandbox.sftp.stored(remote)
    assert stored is not None
    with tarfile.open(fileobj=io.BytesIO(stored), mode="r:gz") as archive:
        got = {
            m.name.removeprefix("./"): archive.extractfile(m).read().decode()  # type: ignore[union-attr]
            for m in archive.getmembers()
            if m.isfile()
        }
    assert got == FILES
    # Created in oc's order, then the binding and the namespace deleted (nothing left)
    writes = kube_writes(sandbox)
    assert [w.rsplit(" ", 1)[0] for w in writes] == [
        "POST Namespace", "POST ServiceAccount", "POST ClusterRoleBinding", "POST Pod",
        "DELETE ClusterRoleBinding", "DELETE Namespace",
    ]  # fmt: skip
    assert sandbox.backplane.open_remediations() == []
    assert not Path(record.facts["local_path"]).exists()  # the local copy is gone too
    counted = metrics.registry.get_sample_value(
        "cad_investigate_must_gather_performed_total",
        {
            "alert_type": "CreateMustGather",
            "investigation": "mustgather",
            "product": "ROSA classic",
        },
    )
    assert counted == 1


def test_a_failed_gather_deletes_the_namespace_and_binding_and_uploads_nothing(
    sandbox: Sandbox, executor: Executor, pagerduty: FakePagerDuty, clients: Clients
) -> None:
    seed(sandbox, outcome="failed")
    report = executor.execute([ACTION], context(clients, pagerduty, "QFAIL"))
    record = report.records[0]  # then the executor's note saying what failed
    assert record.outcome is Outcome.FAILED
    assert "the gather container exited with 1" in (record.error or "")
    writes = kube_writes(sandbox)
    assert any(w.startswith("DELETE Namespace openshift-must-gather-") for w in writes)
    assert any(w.startswith("DELETE ClusterRoleBinding must-gather-") for w in writes)
    world = sandbox.backplane.kube["c1"]
    assert world.handle("GET", "/api/v1/namespaces", {})[1]["items"] == []  # type: ignore[index]
    assert sandbox.sftp.uploads == []


def test_a_retry_after_a_cut_upload_and_a_redelivery_repeat_nothing(
    sandbox: Sandbox, executor: Executor, pagerduty: FakePagerDuty, clients: Clients
) -> None:
    seed(sandbox)
    ctx = context(clients, pagerduty, "QAGAIN")
    # Given the first upload is cut off after a few bytes
    sandbox.sftp.cut_after_bytes = 10
    # When the action runs, the retry uploads the archive it kept: one collection, one upload
    first = executor.execute([ACTION], ctx)
    record = first.records[0]
    assert (record.outcome, record.attempts) == (Outcome.SUCCEEDED, 2)
    assert len(kube_writes(sandbox)) == 6
    cut, whole = sandbox.sftp.uploads  # the cut copy, then the whole one, at the same path
    assert cut.path == whole.path == record.facts["remote_path"]
    assert cut.size == 10 < whole.size
    # And a redelivery after that is skipped by the ledger: no request to either system
    again = executor.execute([ACTION], ctx)
    assert again.outcomes()[0] == ("collect_must_gather", Outcome.SKIPPED)
    assert len(kube_writes(sandbox)) == 6
    assert len(sandbox.sftp.uploads) == 2


def test_an_upload_refused_for_good_fails_and_keeps_no_archive(
    sandbox: Sandbox, executor: Executor, pagerduty: FakePagerDuty, clients: Clients
) -> None:
    seed(sandbox)
    sandbox.inject("sftp-token", status=400)
    report = executor.execute([ACTION], context(clients, pagerduty, "QREFUSED"))
    record = report.records[0]
    assert record.outcome is Outcome.FAILED
    assert len(kube_writes(sandbox)) == 6  # collected and cleaned up once, not retried
    assert not Path(record.facts["local_path"]).exists()
    assert sandbox.sftp.uploads == []


def test_the_archive_name_is_the_originals() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 3, 9, 8, 7, tzinfo=UTC)
    assert archive_name(now, "c1") == "2026-12-03_09-08-07-must-gather-c1.tar.gz"
