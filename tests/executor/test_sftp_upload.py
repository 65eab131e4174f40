"""The ``sftp_upload`` action against the sandbox's token endpoint and in-process SFTP
server, through the real uploader: validated, dry-run asks for nothing, applied once (the
ledger and the probe), a partial upload retried whole, a failure reported with no silence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cad.actions import SftpUpload, note, silence
from cad.clients.sftp import SftpUploader
from cad.clients.sftp_token import SftpTokenClient
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
from cad.retry import RetryPolicy
from cad.simulators.sandbox import Sandbox
from cad.testing import FakePagerDuty

from .conftest import CLUSTER, INCIDENT

FAST = RetryPolicy(max_attempts=3, deadline_s=5.0, initial_wait_s=0.0, max_wait_s=0.0, jitter_s=0)


@pytest.fixture
def uploader(sandbox: Sandbox) -> Iterator[SftpUploader]:
    client = SftpUploader(
        SftpTokenClient(sandbox.sftp_token_url, retry=FAST),
        host="127.0.0.1",
        port=sandbox.sftp.port,
        fingerprint=sandbox.sftp.fingerprint,
        connect_timeout_s=5.0,
    )
    yield client
    client.close()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "2026-12-03_10-00-00-must-gather-c1.tar.gz"
    path.write_bytes(bytes(range(256)) * 1500)  # 384000 bytes: three 128 KiB chunks
    return path


def context(pagerduty: FakePagerDuty, uploader: SftpUploader | None) -> ExecutionContext:
    return ExecutionContext(
        investigation="mustgather",
        alert="CreateMustGather",
        cluster=CLUSTER,
        incident=INCIDENT,
        clients=WriteClients(pagerduty=pagerduty, sftp=uploader),
    )


def upload(archive: Path) -> SftpUpload:
    return SftpUpload(local_path=str(archive), product="ROSA classic")


def test_a_missing_empty_or_relative_file_is_refused_before_anything_runs(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty.tar.gz"
    empty.write_bytes(b"")
    cases = [
        (str(tmp_path / "absent.tar.gz"), "does not exist or is not a file"),
        (str(empty), "is empty"),
        ("relative.tar.gz", "is not an absolute path"),
        (str(tmp_path), "does not exist or is not a file"),
    ]
    for local_path, problem in cases:
        with pytest.raises(ActionValidationError, match=problem):
            validate_actions([SftpUpload(local_path=local_path)])


def test_a_dry_run_says_what_would_be_uploaded_where_and_asks_the_server_nothing(
    sandbox: Sandbox,
    executor: Executor,
    pagerduty: FakePagerDuty,
    uploader: SftpUploader,
    archive: Path,
) -> None:
    report = executor.execute(
        [upload(archive), note("Collected.")],
        context(pagerduty, uploader),
        ExecutionOptions(dry_run=True),
    )
    assert report.outcomes() == [
        ("sftp_upload", Outcome.DRY_RUN),
        ("pagerduty_note", Outcome.DRY_RUN),
    ]
    assert report.records[0].preview == (
        f"would upload {archive} (384000 bytes) to 127.0.0.1:{sandbox.sftp.port} "
        f"under /anonymous/users/<a new anonymous user>/{archive.name}"
    )
    assert sandbox.sftp.logins == []
    assert sum(sandbox.writes().values()) == 0  # not even a token was asked for


def test_an_upload_is_applied_reported_counted_and_done_once_on_a_re_run(
    sandbox: Sandbox,
    executor: Executor,
    metrics: ExecutorMetrics,
    pagerduty: FakePagerDuty,
    uploader: SftpUploader,
    archive: Path,
) -> None:
    # When the upload and a note are executed live
    report = executor.execute([upload(archive), note("Collected.")], context(pagerduty, uploader))
    # Then the file is on the server, its path in the facts and in the note
    [user] = sandbox.sftp.users
    remote = f"/anonymous/users/{user}/{archive.name}"
    assert report.outcomes() == [
        ("sftp_upload", Outcome.SUCCEEDED),
        ("pagerduty_note", Outcome.SUCCEEDED),
    ]
    assert report.records[0].facts == {"remote_path": remote}
    assert sandbox.sftp.stored(remote) == archive.read_bytes()
    line = f"CAD uploaded {archive.name} to the Red Hat SFTP server under {remote}"
    assert line in pagerduty.incidents[INCIDENT.id].notes[0]
    # And counted with the original's must_gather_performed semantics
    assert (
        metrics.registry.get_sample_value(
            "cad_investigate_must_gather_performed_total",
            {
                "alert_type": "CreateMustGather",
                "investigation": "mustgather",
                "product": "ROSA classic",
            },
        )
        == 1
    )
    # When the same delivery runs again, the ledger skips the upload
    again = executor.execute([upload(archive)], context(pagerduty, uploader))
    assert again.outcomes()[0] == ("sftp_upload", Outcome.SKIPPED)
    assert sandbox.writes()["sftp"] == 1


def test_an_upload_whose_answer_was_lost_is_found_by_the_probe_and_not_repeated(
    sandbox: Sandbox,
    executor: Executor,
    pagerduty: FakePagerDuty,
    uploader: SftpUploader,
    archive: Path,
) -> None:
    # Given the file was uploaded by this process but nothing was recorded (a fresh ledger)
    remote = uploader.upload(archive)
    # When the action is executed, then the probe finds it whole and it is not uploaded again
    report = executor.execute([upload(archive)], context(pagerduty, uploader))
    assert report.outcomes()[0] == ("sftp_upload", Outcome.SKIPPED)
    assert report.records[0].reason == f"already uploaded to {remote}"
    assert report.records[0].facts == {"remote_path": remote}
    assert sandbox.writes()["sftp"] == 1


def test_a_partial_upload_is_retried_and_the_file_lands_whole_once(
    sandbox: Sandbox,
    executor: Executor,
    pagerduty: FakePagerDuty,
    uploader: SftpUploader,
    archive: Path,
) -> None:
    sandbox.sftp.cut_after_bytes = 150_000
    report = executor.execute([upload(archive)], context(pagerduty, uploader))
    [record] = report.records
    assert (record.outcome, record.attempts) == (Outcome.SUCCEEDED, 2)
    [user] = sandbox.sftp.users
    assert sandbox.sftp.stored(record.facts["remote_path"]) == archive.read_bytes()
    assert record.facts["remote_path"] == f"/anonymous/users/{user}/{archive.name}"


@pytest.mark.parametrize("failure", ["token endpoint down", "wrong host key", "login refused"])
def test_a_failed_upload_is_reported_and_nothing_is_silenced_after_it(
    failure: str,
    sandbox: Sandbox,
    executor: Executor,
    pagerduty: FakePagerDuty,
    uploader: SftpUploader,
    archive: Path,
) -> None:
    expected = {
        "token endpoint down": "sftp-token POST /hydra/rest/v2/sftp/token failed (HTTP 503)",
        "wrong host key": "is not the pinned SHA256:",
        "login refused": "the server refused the login of anonymous user",
    }[failure]
    if failure == "token endpoint down":
        sandbox.inject("sftp-token", status=503)
    elif failure == "wrong host key":
        uploader.fingerprint = "SHA256:" + "A" * 43
    else:
        sandbox.sftp.refuse_logins = True
    report = executor.execute(
        [upload(archive), note("Collected."), silence("uploaded")], context(pagerduty, uploader)
    )
    outcomes = dict(report.outcomes())
    assert outcomes["sftp_upload"] is Outcome.FAILED
    assert outcomes.get("silence_incident") is not Outcome.SUCCEEDED
    assert expected in (report.records[0].error or "")
    incident = pagerduty.incidents[INCIDENT.id]
    assert incident.escalation_policy_id != pagerduty.silent_policy_id
    assert sandbox.sftp.uploads == []
