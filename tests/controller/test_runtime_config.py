"""The settings reach the runs: the composition root builds one runtime configuration from
them, and the controller, the chain and the executor work by it (real clients, sandbox)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cad.actions import SftpUpload, service_log
from cad.config.investigation_config import load_default_config
from cad.controller.build import Built, build_controller
from cad.controller.outcome import ExitCode, RunOutcome
from cad.controller.run import Run
from cad.executor import Outcome
from cad.investigations.registry import REGISTRY
from cad.simulators.sandbox import Sandbox, SandboxEgressVerifier
from cad.simulators.world import WorldSpec
from tests.worlds import STOPPED_BY_CUSTOMER

from .conftest import CLUSTER_ID, NOW, incident, seed


@pytest.fixture
def build(sandbox: Sandbox, no_waiting: None) -> Iterator[Callable[..., Built]]:
    built: list[Built] = []

    def make(**settings: object) -> Built:
        built.append(
            build_controller(
                sandbox.settings(**settings),
                load_default_config(known=REGISTRY.names()),
                pagerduty=True,
                egress=SandboxEgressVerifier(sandbox),
                now=sandbox.clock.now,
            )
        )
        return built[-1]

    yield make
    for item in built:
        item.close()


def test_the_executor_makes_as_many_attempts_as_cad_executor_max_attempts_says(
    sandbox: Sandbox, build: Callable[..., Built]
) -> None:
    # Given a cluster whose chain puts it in limited support, and OCM answering every
    # limited-support write with 503
    seed(sandbox, aws=STOPPED_BY_CUSTOMER)
    incident(sandbox)
    sandbox.inject("ocm", method="POST", path="*/limited_support_reasons", status=503)
    before = sandbox.faults("ocm").hits
    # When CAD runs with CAD_EXECUTOR_MAX_ATTEMPTS=6 (the default is 4)
    built = build(executor_max_attempts=6)
    outcome = built.controller.investigate(sandbox.pagerduty.webhook_payload("Q1"))
    # Then OCM received six writes, and the report says six attempts before giving up
    assert sandbox.faults("ocm").hits - before == 6
    failed = [a for a in outcome.all_actions() if a.type == "limited_support"]
    assert [(a.outcome, a.attempts) for a in failed] == [(Outcome.FAILED, 6)]
    assert outcome.exit_code == ExitCode.FAILED
    assert sandbox.pagerduty.incident("Q1").escalation_policy_id == "PORIGINAL"


@pytest.mark.parametrize(
    ("dedupe_days", "sent"),
    [
        pytest.param(7, 0, id="sent 3 days ago, inside a 7-day window: skipped"),
        pytest.param(2, 1, id="sent 3 days ago, outside a 2-day window: sent"),
    ],
)
def test_a_service_log_sent_within_cad_service_log_dedupe_days_is_not_sent_again(
    sandbox: Sandbox, build: Callable[..., Built], dedupe_days: float, sent: int
) -> None:
    # Given a cluster that was sent a service log three days ago
    sandbox.seed(
        WorldSpec.model_validate(
            {
                "now": NOW,
                "clusters": [
                    {
                        "id": CLUSTER_ID,
                        "name": "my-cluster",
                        "service_logs": [
                            {"summary": "Disk full", "description": "Free some", "timestamp": "-3d"}
                        ],
                    }
                ],
            }
        )
    )
    # When CAD, with CAD_SERVICE_LOG_DEDUPE_DAYS set, sends the identical service log
    built = build(service_log_dedupe_days=dedupe_days)
    run = Run(
        built.controller.deps,
        RunOutcome(mode="manual", dry_run=False, status="succeeded", exit_code=ExitCode.OK),
    )
    run.describe_cluster(built.controller.deps.ocm.find_cluster(CLUSTER_ID))
    run.execute([service_log("Info", "Disk full", "Free some")])
    # Then it is sent only when the earlier one is older than the window
    assert len(sandbox.ocm.service_logs_posted(CLUSTER_ID)) == sent
    expected = Outcome.SKIPPED if sent == 0 else Outcome.SUCCEEDED
    logs = [a for a in run.outcome.extra_actions if a.type == "service_log"]
    assert [a.outcome for a in logs] == [expected]


@pytest.mark.parametrize("experimental", [True, False], ids=["enabled", "disabled"])
def test_cad_experimental_enabled_reaches_the_investigations_resources(
    sandbox: Sandbox, build: Callable[..., Built], experimental: bool
) -> None:
    # Given a banned owner, whose service log ocmagentresponsefailure sends only when
    # experimental features are enabled
    seed(sandbox, owner={"banned": True, "ban_code": "some_reason", "ban_description": "x"})
    incident(sandbox, title="OCMAgentResponseFailureServiceLogsSRE CRITICAL (1)")
    # When CAD runs with CAD_EXPERIMENTAL_ENABLED set (or not)
    outcome = build(experimental_enabled=experimental).controller.investigate(
        sandbox.pagerduty.webhook_payload("Q1")
    )
    # Then the service log is sent exactly when it is set
    sent = [a for a in outcome.all_actions() if a.type == "service_log"]
    assert [a.outcome for a in sent] == ([Outcome.SUCCEEDED] if experimental else [])


def test_the_sftp_settings_reach_the_executors_upload_through_the_controller(
    sandbox: Sandbox, build: Callable[..., Built], tmp_path: Path
) -> None:
    # Given a file to upload and CAD built from the sandbox's settings (CAD_SFTP_*)
    archive = tmp_path / "2026-12-03_10-00-00-must-gather-c1.tar.gz"
    archive.write_bytes(b"gathered" * 1000)
    seed(sandbox)
    built = build()
    run = Run(
        built.controller.deps,
        RunOutcome(mode="manual", dry_run=False, status="succeeded", exit_code=ExitCode.OK),
    )
    run.describe_cluster(built.controller.deps.ocm.find_cluster(CLUSTER_ID))
    # When the run executes an upload
    run.execute([SftpUpload(local_path=str(archive), product="ROSA classic")])
    # Then the controller's write clients carried it to the sandbox's SFTP server
    [record] = [a for a in run.outcome.extra_actions if a.type == "sftp_upload"]
    assert record.outcome is Outcome.SUCCEEDED
    assert sandbox.sftp.stored(record.facts["remote_path"]) == archive.read_bytes()
