"""Uploads to Red Hat's SFTP server, as the original's mustgather does: anonymous
credentials from the token endpoint, SSH to ``CAD_SFTP_HOST``:``CAD_SFTP_PORT`` only when the
server's host key has the pinned fingerprint (``CAD_SFTP_HOST_KEY_FINGERPRINT``), then a
chunked copy to ``/anonymous/users/<user>/<file>`` within a deadline.

The credentials are asked once per process and kept (a retry and the probe after it look in
the same home). asyncssh is asynchronous; each call runs its own event loop in the calling
thread (the executor's). Every failure is a :class:`~cad.errors.ClientError` of system
``sftp``: a wrong host key or a refused login is permanent, a dropped connection or a timeout
transient. The token never reaches a message or a log.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import asyncssh

from cad.clients.sftp_token import SftpCredentials, SftpTokenClient
from cad.errors import AuthenticationError, NetworkError, PermanentError, TransientError

__all__ = [
    "CHUNK_BYTES",
    "DEFAULT_SFTP_FINGERPRINT",
    "DEFAULT_SFTP_HOST",
    "HostKeyMismatchError",
    "SftpUploader",
]

DEFAULT_SFTP_HOST = "sftp.access.redhat.com"
DEFAULT_SFTP_FINGERPRINT = "SHA256:Ij7dPhl1PhiycLC/rFXy1sGO2nSS9ky0PYdYhi+ykpQ"
"""From https://access.redhat.com/articles/5594481#TOC36, as the original pins it."""
CHUNK_BYTES = 128 * 1024

T = TypeVar("T")


class HostKeyMismatchError(PermanentError):
    """The SSH server's host key is not the pinned one: nothing was sent to it."""


class SftpUploader:
    """The SFTP write client: ``find`` (probe) and ``upload``. One instance per process."""

    def __init__(
        self,
        tokens: SftpTokenClient,
        *,
        host: str = DEFAULT_SFTP_HOST,
        port: int = 22,
        fingerprint: str = DEFAULT_SFTP_FINGERPRINT,
        connect_timeout_s: float = 30.0,
        upload_timeout_s: float = 6 * 3600.0,
    ) -> None:
        self._tokens = tokens
        self.host, self.port, self.fingerprint = host, port, fingerprint
        self._connect_timeout_s = connect_timeout_s
        self._upload_timeout_s = upload_timeout_s
        self._lock = threading.Lock()
        self._credentials: SftpCredentials | None = None
        self._endpoint = f"SSH {host}:{port}"

    @property
    def server(self) -> str:
        """``host:port`` of the SFTP server (no credential is asked for)."""
        return f"{self.host}:{self.port}"

    def credentials(self) -> SftpCredentials:
        """This process's anonymous credentials (asked for on first use)."""
        with self._lock:
            if self._credentials is None:
                self._credentials = self._tokens.credentials()
            return self._credentials

    def remote_path(self, name: str) -> str:
        """Where a file named ``name`` is (or would be) uploaded."""
        return f"{self.credentials().home}/{name}"

    def find(self, name: str, size: int) -> str | None:
        """The remote path of ``name`` if it is uploaded whole (``size`` bytes), else ``None``."""
        return self._run(self._find(self.credentials(), name, size), self._connect_timeout_s)

    def upload(self, local: Path, *, timeout_s: float | None = None) -> str:
        """Copy ``local`` to the user's home (replacing a partial copy); return its remote
        path. Fails when the copy does not finish within ``timeout_s`` (default 6 h)."""
        limit = (
            self._upload_timeout_s if timeout_s is None else min(timeout_s, self._upload_timeout_s)
        )
        return self._run(self._upload(self.credentials(), local), limit)

    def close(self) -> None:
        """Close the token client's connection pool."""
        self._tokens.close()

    # -- the asynchronous half ----------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T], timeout_s: float) -> T:
        async def bounded() -> T:
            return await asyncio.wait_for(coro, timeout_s)

        try:
            return asyncio.run(bounded())
        except TimeoutError as exc:
            raise NetworkError(
                f"timed out after {timeout_s:g} s", system="sftp", endpoint=self._endpoint
            ) from exc

    async def _connect(self, creds: SftpCredentials) -> asyncssh.SSHClientConnection:
        pinned, seen = self.fingerprint, []

        class Pinned(asyncssh.SSHClient):
            def validate_host_public_key(
                self, host: str, addr: str, port: int, key: asyncssh.SSHKey
            ) -> bool:
                seen.append(key.get_fingerprint("sha256"))
                return seen[-1] == pinned

        try:
            conn, _client = await asyncssh.create_connection(
                Pinned,
                self.host,
                self.port,
                username=creds.username,
                password=creds.token,
                known_hosts=([], [], []),
                server_host_key_algs="default",
                config=None,
                agent_path=None,
                client_keys=None,
                preferred_auth="password",
                connect_timeout=self._connect_timeout_s,
            )
        except asyncssh.HostKeyNotVerifiable as exc:
            got = seen[-1] if seen else "unknown"
            raise HostKeyMismatchError(
                f"the server's host key {got} is not the pinned {pinned}; nothing was sent",
                system="sftp",
                endpoint=self._endpoint,
            ) from exc
        except asyncssh.PermissionDenied as exc:
            with self._lock:
                self._credentials = None  # the next attempt asks for new credentials
            raise AuthenticationError(
                f"the server refused the login of anonymous user {creds.username}",
                system="sftp",
                endpoint=self._endpoint,
            ) from exc
        except (OSError, asyncssh.Error) as exc:
            raise NetworkError(
                f"connection failed ({type(exc).__name__})", system="sftp", endpoint=self._endpoint
            ) from exc
        return conn

    async def _find(self, creds: SftpCredentials, name: str, size: int) -> str | None:
        remote = f"{creds.home}/{name}"
        found: int | None = None
        async with await self._connect(creds) as conn, conn.start_sftp_client() as sftp:
            try:
                found = (await sftp.stat(remote)).size
            except asyncssh.SFTPNoSuchFile:
                found = None
            except asyncssh.SFTPError as exc:
                raise self._sftp_error("stat", remote, exc) from exc
        return remote if found == size else None

    async def _upload(self, creds: SftpCredentials, local: Path) -> str:
        remote = f"{creds.home}/{local.name}"
        # The local file is opened first: an unreadable one is the caller's error, not the link's.
        with local.open("rb") as source:
            async with await self._connect(creds) as conn, conn.start_sftp_client() as sftp:
                await self._copy(sftp, source, remote)
        return remote

    async def _copy(self, sftp: asyncssh.SFTPClient, source: BinaryIO, remote: str) -> None:
        try:
            # Red Hat's server refuses read-write opens: write-only, created, truncated.
            async with sftp.open(remote, "wb", block_size=CHUNK_BYTES) as target:
                while chunk := source.read(CHUNK_BYTES):
                    await target.write(chunk)
        except asyncssh.SFTPError as exc:
            raise self._sftp_error("upload", remote, exc) from exc
        except (OSError, asyncssh.Error) as exc:
            raise NetworkError(
                f"the upload of {remote} was cut short ({type(exc).__name__})",
                system="sftp",
                endpoint=self._endpoint,
            ) from exc

    def _sftp_error(self, doing: str, remote: str, exc: asyncssh.SFTPError) -> TransientError:
        return TransientError(
            f"{doing} {remote} failed: {exc.reason}", system="sftp", endpoint=self._endpoint
        )
