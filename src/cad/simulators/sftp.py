"""Red Hat's SFTP upload service, simulated: the anonymous token endpoint (an ASGI app,
``POST /hydra/rest/v2/sftp/token``) and an SSH server with SFTP (asyncssh, in its own thread
and event loop on 127.0.0.1) whose users are the tokens the endpoint issued. Uploads land in a
temporary directory under ``/anonymous/users/<user>/``.

Faults: the token endpoint has a :class:`FaultBook` (``faults``); the SSH server refuses
every login while ``refuse_logins`` is set, and ``cut_after_bytes`` makes the next upload fail
once that many bytes of it were written (a partial file stays, as after a dropped link).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cad.simulators.faults import FaultBook, FaultMiddleware

__all__ = ["SFTP_TOKEN_PATH", "SftpSimulator", "Upload"]

SFTP_TOKEN_PATH = "/hydra/rest/v2/sftp/token"


@dataclass(frozen=True)
class Upload:
    """A file closed after writing: its remote path and size."""

    path: str
    size: int


class SftpSimulator:
    """Token app (``app``), SSH server (``start``/``stop``, ``port``, ``fingerprint``), state."""

    def __init__(self) -> None:
        self.faults = FaultBook()
        self._lock = threading.Lock()
        self.users: dict[str, str] = {}
        self.token_requests: list[Any] = []
        self.uploads: list[Upload] = []
        self.opened_for_write: list[str] = []
        self.logins: list[str] = []
        self.refuse_logins = False
        self.cut_after_bytes: int | None = None
        self.root = Path(tempfile.mkdtemp(prefix="cad-sftp-"))
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.fingerprint: str = self.host_key.get_fingerprint("sha256")
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncssh.SSHAcceptor | None = None
        self.app = FaultMiddleware(
            self._build(), self.faults, lambda code, msg: ({"message": msg}, {})
        )

    # -- the token endpoint -------------------------------------------------------------

    def issue(self) -> tuple[str, str]:
        """A new anonymous user and its token (what the endpoint answers)."""
        username, token = f"anon-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
        with self._lock:
            self.users[username] = token
        return username, token

    def _build(self) -> FastAPI:
        app = FastAPI(openapi_url=None)
        sim = self

        @app.post(SFTP_TOKEN_PATH)
        async def token(request: Request) -> JSONResponse:
            try:
                body = await request.json()
            except ValueError:
                body = None
            with sim._lock:
                sim.token_requests.append(body)
            if not isinstance(body, dict) or body.get("isAnonymous") is not True:
                return JSONResponse({"message": "only anonymous tokens"}, status_code=400)
            username, secret = sim.issue()
            return JSONResponse(
                {"username": username, "token": secret, "expiryDate": "2099-01-01T00:00:00Z"}
            )

        return app

    # -- the SSH server -----------------------------------------------------------------

    def start(self) -> SftpSimulator:
        """Serve SSH on 127.0.0.1 (a free port) from a thread of its own."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="sim-sftp", daemon=True)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._serve(), loop)
        self._server = future.result(timeout=10)
        self.port = self._server.get_port()
        return self

    async def _serve(self) -> asyncssh.SSHAcceptor:
        sim = self

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                with sim._lock:
                    sim.logins.append(username)
                    known = sim.users.get(username)
                return not sim.refuse_logins and known is not None and known == password

        def sftp_factory(chan: asyncssh.SSHServerChannel[bytes]) -> asyncssh.SFTPServer:
            user = chan.get_extra_info("username") or ""
            (sim.root / "anonymous" / "users" / user).mkdir(parents=True, exist_ok=True)
            return _Files(chan, sim)

        return await asyncssh.create_server(
            Server,
            "127.0.0.1",
            0,
            server_host_keys=[self.host_key],
            sftp_factory=sftp_factory,
            allow_scp=False,
        )

    def stop(self) -> None:
        """Stop the SSH server and its thread; remove the uploaded files."""
        if self._loop is not None and self._server is not None:
            server, loop = self._server, self._loop

            async def shut() -> None:
                server.close()
                await server.wait_closed()
                # The loop's resolver thread (``asyncio_0``): ``loop.close`` would leave it
                # exiting behind the sandbox's back.
                await loop.shutdown_default_executor()

            asyncio.run_coroutine_threadsafe(shut(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=10)
            loop.close()
            self._loop = self._server = self._thread = None
        shutil.rmtree(self.root, ignore_errors=True)

    def stored(self, remote_path: str) -> bytes | None:
        """The content of an uploaded file, or ``None``."""
        local = self.root / remote_path.lstrip("/")
        return local.read_bytes() if local.is_file() else None

    def reset(self) -> None:
        """Forget users, uploads and faults (the server keeps running)."""
        with self._lock:
            self.users, self.token_requests, self.uploads = {}, [], []
            self.opened_for_write, self.logins = [], []
            self.refuse_logins, self.cut_after_bytes = False, None
        self.faults.clear()
        shutil.rmtree(self.root / "anonymous", ignore_errors=True)


class _Files(asyncssh.SFTPServer):
    """A chrooted file server that records uploads and cuts one short on demand."""

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], sim: SftpSimulator) -> None:
        super().__init__(chan, chroot=str(sim.root).encode())
        self._sim = sim
        self._written: dict[int, tuple[str, int]] = {}

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        file_obj = super().open(path, pflags, attrs)
        if pflags & asyncssh.FXF_WRITE:
            remote = path.decode()
            with self._sim._lock:
                self._sim.opened_for_write.append(remote)
            self._written[id(file_obj)] = (remote, 0)
        return file_obj

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        sim = self._sim
        with sim._lock:
            cut = sim.cut_after_bytes
        if cut is not None and offset + len(data) > cut:
            keep = max(cut - offset, 0)
            if keep:
                super().write(file_obj, offset, data[:keep])
            with sim._lock:
                sim.cut_after_bytes = None
            raise asyncssh.SFTPFailure("the connection to storage was lost")
        written = super().write(file_obj, offset, data)
        assert isinstance(written, int)
        return written

    def close(self, file_obj: object) -> None:
        entry = self._written.pop(id(file_obj), None)
        super().close(file_obj)
        if entry is not None:
            remote = entry[0]
            local = self._sim.root / remote.lstrip("/")
            with self._sim._lock:
                self._sim.uploads.append(Upload(remote, os.path.getsize(local)))
