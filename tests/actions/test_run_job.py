"""``run_job``: a Job validated, previewed without a request, created once, waited for on the
executor's clock, its log read, and deleted with its pod, also after it failed or ran out of
time. Real clients against the simulators (Jobs run there as the world says)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from cad.actions import (
    RunJob,
    action_class,
    action_from_json,
    action_to_json,
    note,
    silence,
)
from cad.clients.factory import Clients, build_clients
from cad.domain import ClusterRef, IncidentRef
from cad.errors import ActionValidationError
from cad.executor import (
    ExecutionContext,
    ExecutionOptions,
    Executor,
    ExecutorMetrics,
    InMemoryLedger,
    Outcome,
    WriteClients,
    validate_actions,
)
from cad.retry import RetryPolicy
from cad.simulators.kube import KubeWorld
from cad.simulators.kube_jobs import JobRuns, JobRunSpec
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import ClusterSpec, WorldSpec
from cad.testing import VirtualClock

INCIDENT = IncidentRef(id="Q1", title="etcdDatabaseQuotaLowSpace WARNING")


def job(**fields: Any) -> RunJob:
    values: dict[str, Any] = {
        "name": "cad-check",
        "namespace": "ocm-production-h1-my-hcp",
        "image": "quay.io/app-sre/tools:latest",
        "command": ["/bin/sh", "-c", "echo hello"],
        "timeout_seconds": 60,
        "management_cluster": True,
    }
    return RunJob(**{**values, **fields})


def management_world(sandbox: Sandbox, *runs: JobRunSpec) -> KubeWorld:
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="h1", name="my-hcp", hcp=True)]))
    sandbox.create_incident(INCIDENT.id, INCIDENT.title)
    world = KubeWorld()
    world.extensions.append(JobRuns(world, list(runs)))
    sandbox.backplane.add_management_api("h1", world)
    sandbox.backplane.writes.clear()
    return world


@pytest.fixture
def clients(sandbox: Sandbox) -> Iterator[Clients]:
    built = build_clients(sandbox.settings())
    yield built
    built.close()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def executor(clock: VirtualClock, registry: CollectorRegistry) -> Iterator[Executor]:
    with Executor.standard(
        ledger=InMemoryLedger(),
        metrics=ExecutorMetrics(registry),
        clock=clock,
        sleep=clock.sleep,
    ) as instance:
        yield instance


def context(clients: Clients) -> ExecutionContext:
    return ExecutionContext(
        investigation="etcddatabasequotalowspace",
        alert="etcddatabasequotalowspace",
        cluster=ClusterRef(id="h1", external_id="ext-h1", name="my-hcp", product="rosa"),
        incident=INCIDENT,
        clients=WriteClients(kube=clients.kube_writer, pagerduty=clients.pagerduty_writer),
    )


def record(report: Any) -> Any:
    [found] = [r for r in report.records if r.type == "run_job"]
    return found


def methods(world: KubeWorld) -> list[tuple[str, str]]:
    return [(w["method"], w["kind"]) for w in world.writes]


def test_the_type_is_registered_and_round_trips_through_json() -> None:
    action = job()
    assert action_class("run_job") is RunJob
    assert action_from_json(action_to_json(action)) == action


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"name": ""}, "the Job name is empty"),
        ({"name": "Not_A_Label"}, "is not a DNS-1123 label"),
        ({"name": "x" * 55}, "at most 54 characters"),
        ({"namespace": " "}, "the namespace is empty"),
        ({"image": ""}, "the image is empty"),
        ({"command": []}, "the command is empty"),
        ({"command": [""]}, "the command is empty"),
        ({"timeout_seconds": 0}, "the timeout must be above 0"),
        ({"timeout_seconds": 3601}, "at most 3600 s"),
    ],
)
def test_an_invalid_job_is_refused_before_anything_runs(
    fields: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ActionValidationError, match=problem):
        validate_actions([job(**fields)])


def test_a_dry_run_shows_the_job_manifest_and_makes_no_request(
    sandbox: Sandbox, clients: Clients, executor: Executor
) -> None:
    world = management_world(sandbox)
    report = executor.execute([job()], context(clients), ExecutionOptions(dry_run=True))
    found = record(report)
    assert found.outcome is Outcome.DRY_RUN
    for fragment in ("kind: Job", "name: cad-check-", "backoffLimit: 0", "echo hello"):
        assert fragment in found.preview
    assert world.requests == 0
    assert len(sandbox.backplane.writes) == 0


def test_a_job_runs_to_completion_its_log_is_kept_and_it_is_deleted_with_its_pod(
    sandbox: Sandbox, clients: Clients, executor: Executor, registry: CollectorRegistry
) -> None:
    world = management_world(sandbox, JobRunSpec(name_prefix="cad-check-", logs="hello\n"))
    report = executor.execute([job()], context(clients), ExecutionOptions())
    found = record(report)
    assert found.outcome is Outcome.SUCCEEDED
    assert found.facts["log"] == "hello\n"
    assert found.facts["cleanup"] == "success"
    assert methods(world) == [("POST", "Job"), ("DELETE", "Job")]
    assert world.remove_where("Pod", "ocm-production-h1-my-hcp", "job-name") == 0
    counted = registry.get_sample_value(
        "cad_kubernetes_jobs_total",
        {
            "alert_type": "etcddatabasequotalowspace",
            "investigation": "etcddatabasequotalowspace",
            "cluster_role": "management",
        },
    )
    assert counted == 1


def test_a_failed_job_is_deleted_and_the_action_fails_naming_its_condition(
    sandbox: Sandbox, clients: Clients, executor: Executor
) -> None:
    world = management_world(sandbox, JobRunSpec(outcome="failed", reason="DeadlineExceeded"))
    report = executor.execute([job(), silence("done")], context(clients), ExecutionOptions())
    found = record(report)
    assert found.outcome is Outcome.FAILED
    assert "failed: DeadlineExceeded" in found.error
    assert found.attempts == 1  # a failed Job is not run again
    assert methods(world) == [("POST", "Job"), ("DELETE", "Job")]
    assert ("silence_incident", Outcome.SUCCEEDED) not in report.outcomes()


def test_a_job_that_never_finishes_is_deleted_at_its_timeout_on_the_executors_clock(
    sandbox: Sandbox, clients: Clients, executor: Executor, clock: VirtualClock
) -> None:
    world = management_world(sandbox, JobRunSpec(outcome="hang"))
    report = executor.execute([job(timeout_seconds=30)], context(clients), ExecutionOptions())
    found = record(report)
    assert found.outcome is Outcome.FAILED
    assert "did not finish within 30 s (timeout 30 s)" in found.error
    assert found.facts["cleanup"] == "success"
    assert methods(world) == [("POST", "Job"), ("DELETE", "Job")]
    assert 30 <= clock.now < 40


def test_a_job_longer_than_the_executors_deadline_gets_its_whole_timeout(
    sandbox: Sandbox, clients: Clients, executor: Executor, clock: VirtualClock
) -> None:
    # Given a Job allowed 300 s that never finishes, and an executor deadline of 120 s
    world = management_world(sandbox, JobRunSpec(outcome="hang"))
    options = ExecutionOptions(retry=RetryPolicy(deadline_s=120))
    # When it is run
    report = executor.execute([job(timeout_seconds=300)], context(clients), options)
    # Then it was waited for its own 300 s, not cut at 120, and deleted
    found = record(report)
    assert found.outcome is Outcome.FAILED
    assert "did not finish within 300 s (timeout 300 s)" in found.error
    assert methods(world) == [("POST", "Job"), ("DELETE", "Job")]
    assert 300 <= clock.now < 310


def test_after_a_long_job_the_pagerduty_phase_still_has_the_whole_deadline_to_retry(
    sandbox: Sandbox, clients: Clients, executor: Executor, clock: VirtualClock
) -> None:
    # Given a Job that takes its whole 300 s, a note PagerDuty refuses twice, and an
    # executor deadline of 120 s
    management_world(sandbox, JobRunSpec(outcome="hang"))
    sandbox.faults("pagerduty").add(method="POST", path="/incidents/*/notes", status=503, times=2)
    options = ExecutionOptions(retry=RetryPolicy(deadline_s=120, initial_wait_s=1, jitter_s=0))
    # When both run
    report = executor.execute(
        [job(timeout_seconds=300), note("the Job's account")], context(clients), options
    )
    # Then the note is retried after the Job and lands, within 120 s of the Job's end
    [posted] = [r for r in report.records if r.type == "pagerduty_note"]
    assert posted.outcome is Outcome.SUCCEEDED
    assert posted.attempts == 3
    assert clock.now < 300 + 60 + 120


def test_a_redelivery_after_success_does_not_create_another_job(
    sandbox: Sandbox, clients: Clients, executor: Executor
) -> None:
    world = management_world(sandbox, JobRunSpec(logs="ok"))
    executor.execute([job()], context(clients), ExecutionOptions())
    report = executor.execute([job()], context(clients), ExecutionOptions())
    assert record(report).outcome is Outcome.SKIPPED
    assert methods(world) == [("POST", "Job"), ("DELETE", "Job")]


def test_a_retry_after_a_lost_answer_waits_for_the_job_it_created(
    sandbox: Sandbox, clients: Clients, executor: Executor
) -> None:
    world = management_world(sandbox, JobRunSpec(logs="ok"))
    sandbox.faults("kubernetes").add(
        method="POST", path="*/jobs", status=500, times=1, after_apply=True
    )
    report = executor.execute([job()], context(clients), ExecutionOptions())
    found = record(report)
    assert (found.outcome, found.attempts) == (Outcome.SUCCEEDED, 2)
    assert methods(world) == [("POST", "Job"), ("DELETE", "Job")]


def test_a_log_read_refused_for_good_deletes_the_job_and_fails(
    sandbox: Sandbox, clients: Clients, executor: Executor
) -> None:
    world = management_world(sandbox, JobRunSpec(logs="secret"))
    sandbox.faults("kubernetes").add(method="GET", path="*/pods/*/log", status=403)
    report = executor.execute([job()], context(clients), ExecutionOptions())
    found = record(report)
    assert (found.outcome, found.attempts) == (Outcome.FAILED, 1)
    assert "HTTP 403" in found.error
    assert found.facts["cleanup"] == "success"
    assert methods(world) == [("POST", "Job"), ("DELETE", "Job")]
