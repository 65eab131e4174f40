"""The SFTP token client and uploader against the sandbox's token endpoint and asyncssh's
SFTP server on 127.0.0.1 (real sockets)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cad.clients.factory import Clients
from cad.clients.sftp import HostKeyMismatchError, SftpUploader
from cad.clients.sftp_token import SftpTokenClient
from cad.config.settings import Settings
from cad.errors import AuthenticationError, ServerError, TransientError
from cad.retry import RetryPolicy, set_testing
from cad.simulators.sandbox import Sandbox

FAST = RetryPolicy(max_attempts=3, deadline_s=5.0, initial_wait_s=0.0, max_wait_s=0.0, jitter_s=0)


@pytest.fixture
def tokens(sandbox: Sandbox) -> Iterator[SftpTokenClient]:
    set_testing(True)
    client = SftpTokenClient(sandbox.sftp_token_url, retry=FAST)
    yield client
    client.close()


def uploader(sandbox: Sandbox, tokens: SftpTokenClient, **kwargs: object) -> SftpUploader:
    return SftpUploader(
        tokens,
        host="127.0.0.1",
        port=sandbox.sftp.port,
        fingerprint=str(kwargs.pop("fingerprint", sandbox.sftp.fingerprint)),
        connect_timeout_s=5.0,
    )


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "2026-12-03_10-00-00-must-gather-c1.tar.gz"
    path.write_bytes(bytes(range(256)) * 2000)  # 512000 bytes: four 128 KiB chunks
    return path


def test_anonymous_credentials_are_asked_for_with_is_anonymous_true(
    sandbox: Sandbox, tokens: SftpTokenClient
) -> None:
    creds = tokens.credentials()
    assert sandbox.sftp.token_requests == [{"isAnonymous": True}]
    assert creds.home == f"/anonymous/users/{creds.username}"
    assert creds.token not in repr(creds)


def test_a_failing_token_endpoint_is_retried_three_times_then_reported(
    sandbox: Sandbox, tokens: SftpTokenClient
) -> None:
    sandbox.inject("sftp-token", status=503)
    with pytest.raises(ServerError, match="sftp-token POST /hydra/rest/v2/sftp/token failed"):
        tokens.credentials()
    assert len(sandbox.sftp.token_requests) == 0  # the fault answered all three
    sandbox.faults("sftp-token").clear()
    sandbox.inject("sftp-token", status=503, times=2)
    assert tokens.credentials().username


def test_a_file_is_uploaded_in_chunks_under_the_anonymous_users_home(
    sandbox: Sandbox, tokens: SftpTokenClient, archive: Path
) -> None:
    client = uploader(sandbox, tokens)
    remote = client.upload(archive)
    user = tokens_user(sandbox)
    assert remote == f"/anonymous/users/{user}/{archive.name}"
    assert sandbox.sftp.stored(remote) == archive.read_bytes()
    # And the probe finds it by name and size, and not with another size
    assert client.find(archive.name, archive.stat().st_size) == remote
    assert client.find(archive.name, 1) is None
    assert client.find("other.tar.gz", 1) is None


def tokens_user(sandbox: Sandbox) -> str:
    [user] = sandbox.sftp.users
    return user


def test_a_server_with_another_host_key_is_refused_before_the_token_is_sent(
    sandbox: Sandbox, tokens: SftpTokenClient, archive: Path
) -> None:
    client = uploader(sandbox, tokens, fingerprint="SHA256:" + "A" * 43)
    with pytest.raises(HostKeyMismatchError) as caught:
        client.upload(archive)
    message = str(caught.value)
    assert f"the server's host key {sandbox.sftp.fingerprint} is not the pinned" in message
    assert sandbox.sftp.logins == []
    assert tokens.credentials().token not in message


def test_a_refused_login_is_a_clear_authentication_error(
    sandbox: Sandbox, tokens: SftpTokenClient, archive: Path
) -> None:
    sandbox.sftp.refuse_logins = True
    with pytest.raises(AuthenticationError, match="refused the login of anonymous user anon-"):
        uploader(sandbox, tokens).upload(archive)
    assert sandbox.sftp.uploads == []


def test_a_partial_upload_is_found_incomplete_and_replaced_by_the_retry(
    sandbox: Sandbox, tokens: SftpTokenClient, archive: Path
) -> None:
    client = uploader(sandbox, tokens)
    sandbox.sftp.cut_after_bytes = 200_000
    with pytest.raises(TransientError, match="the connection to storage was lost"):
        client.upload(archive)
    size = archive.stat().st_size
    remote = client.remote_path(archive.name)
    partial = sandbox.sftp.stored(remote)
    assert partial is not None
    assert 0 < len(partial) < size
    assert client.find(archive.name, size) is None
    # When it is tried again with the same credentials, the file is whole, once
    assert client.upload(archive) == remote
    assert sandbox.sftp.stored(remote) == archive.read_bytes()
    assert client.find(archive.name, size) == remote
    assert len(sandbox.sftp.users) == 1


def test_an_upload_that_outlasts_its_timeout_fails_as_transient(
    sandbox: Sandbox, tokens: SftpTokenClient, archive: Path
) -> None:
    with pytest.raises(TransientError, match="timed out after 1e-06 s"):
        uploader(sandbox, tokens).upload(archive, timeout_s=0.000001)


def test_the_settings_default_to_red_hats_server_and_refuse_a_bad_fingerprint() -> None:
    settings = Settings()
    assert str(settings.sftp_token_url) == "https://access.redhat.com/hydra/rest/v2/sftp/token"
    assert (settings.sftp_host, settings.sftp_port) == ("sftp.access.redhat.com", 22)
    assert settings.sftp_host_key_fingerprint.startswith("SHA256:Ij7dPhl1")
    with pytest.raises(ValueError, match="sftp_host_key_fingerprint"):
        Settings(sftp_host_key_fingerprint="MD5:aa:bb")
    with pytest.raises(ValueError, match="sftp_port"):
        Settings(sftp_port=0)


def test_the_factory_builds_the_uploader_from_the_settings(
    sandbox: Sandbox, archive: Path, clients: Clients
) -> None:
    # Given the clients built from the sandbox's settings (CAD_SFTP_*)
    assert clients.sftp_writer is not None
    assert clients.sftp_writer.server == f"127.0.0.1:{sandbox.sftp.port}"
    # When a file is uploaded, then it lands under the anonymous user's home
    remote = clients.sftp_writer.upload(archive)
    assert sandbox.sftp.stored(remote) == archive.read_bytes()


def test_an_unreadable_local_file_is_named_in_a_local_error_and_nothing_is_sent(
    sandbox: Sandbox, tokens: SftpTokenClient, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        uploader(sandbox, tokens).upload(tmp_path / "absent.tar.gz")
    assert sandbox.sftp.logins == []
