"""Running a read-only command in a pod: the exec subresource over WebSocket.

The client opens ``GET .../namespaces/{ns}/pods/{pod}/exec?command=...&stdout=true&stderr=true``
through the backplane proxy path, offering the channel protocols ``v5.channel.k8s.io`` then
``v4.channel.k8s.io``. Every binary message starts with its channel: 1 stdout, 2 stderr, 3 the
command's ``metav1.Status`` (JSON), and in v5 255 a stream-close signal (which a client
without stdin never needs to send). The command must pass :mod:`cad.clients.exec_policy`
before anything is sent; it runs with a timeout and an output limit.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from cad.clients.exec_policy import refusal
from cad.clients.http import ssl_context
from cad.clients.models import ExecResult, RestConfig
from cad.errors import (
    MalformedResponseError,
    NetworkError,
    PermanentError,
    error_for_status,
)

__all__ = [
    "DEFAULT_LIMIT_BYTES",
    "DEFAULT_TIMEOUT_S",
    "PROTOCOLS",
    "ExecFailedError",
    "ExecOutputLimitError",
    "ExecRefusedError",
    "ExecTimeoutError",
    "PodExecutor",
]

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_LIMIT_BYTES = 1024 * 1024
_STDOUT, _STDERR, _ERROR = 1, 2, 3
_FRAME_LIMIT = 16 * 1024 * 1024  # one streamed frame at most
_TOO_BIG = 1009  # WebSocket close code: message too big
# websockets logs the handshake's headers (the bearer token among them) at debug level: its
# logger here never goes below warning, whatever level CAD runs at.
_WS_LOG = logging.getLogger("cad.clients.kube_exec.websocket")
_WS_LOG.setLevel(logging.WARNING)


class ExecRefusedError(PermanentError):
    """The command is not an allowed read-only command; nothing was sent."""


class ExecTimeoutError(NetworkError):
    """The command did not finish within its timeout."""


class ExecOutputLimitError(PermanentError):
    """The command printed more than its output limit."""


class ExecFailedError(PermanentError):
    """The command could not run at all (no such executable, container gone...)."""


def _ws_url(host: str, namespace: str, pod: str, query: list[tuple[str, str]]) -> str:
    base = host.rstrip("/")
    scheme, rest = base.split("://", 1)
    ws_scheme = "wss" if scheme == "https" else "ws"
    path = f"/api/v1/namespaces/{quote(namespace, safe='')}/pods/{quote(pod, safe='')}/exec"
    return f"{ws_scheme}://{rest}{path}?{urlencode(query)}"


def _exit_code(status: dict[str, Any], endpoint: str) -> int:
    if status.get("status") == "Success":
        return 0
    if status.get("reason") == "NonZeroExitCode":
        for cause in (status.get("details") or {}).get("causes") or []:
            if cause.get("reason") == "ExitCode":
                try:
                    return int(cause.get("message", ""))
                except ValueError:
                    break
        raise MalformedResponseError(
            "a non-zero exit without its code", system="kubernetes", endpoint=endpoint
        )
    raise ExecFailedError(
        str(status.get("message") or "the command could not run"),
        system="kubernetes",
        endpoint=endpoint,
        status=int(status.get("code") or 0) or None,
        code=str(status.get("reason") or "") or None,
    )


class PodExecutor:
    """Runs allowed read-only commands in pods of one cluster (a backplane rest config).
    ``policy`` says why a command may not run (the read-only rules by default; the executor's
    must-gather copy passes :func:`~cad.clients.exec_policy.write_refusal`)."""

    def __init__(
        self, config: RestConfig, *, policy: Callable[[Sequence[str]], str | None] = refusal
    ) -> None:
        self._config = config
        self._policy = policy

    def exec(
        self,
        namespace: str,
        pod: str,
        command: Sequence[str],
        *,
        container: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        limit_bytes: int = DEFAULT_LIMIT_BYTES,
    ) -> ExecResult:
        """Run ``command`` in ``pod`` (``container``, or the pod's only/default one).

        Returns the output and exit code (a non-zero exit is a result, not an error). Raises
        :class:`ExecRefusedError` (not read-only: nothing sent), :class:`ExecTimeoutError`,
        :class:`ExecOutputLimitError` (stdout and stderr together past ``limit_bytes``),
        :class:`ExecFailedError`, or the client errors of an HTTP status (``NotFoundError``
        for a pod that does not exist)."""
        return self.stream(
            namespace,
            pod,
            command,
            container=container,
            timeout_s=timeout_s,
            limit_bytes=limit_bytes,
        )

    def stream(
        self,
        namespace: str,
        pod: str,
        command: Sequence[str],
        *,
        stdout: Callable[[bytes], object] | None = None,
        container: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        limit_bytes: int = DEFAULT_LIMIT_BYTES,
    ) -> ExecResult:
        """:meth:`exec`, with stdout handed to ``stdout`` chunk by chunk as it arrives
        (binary, not kept: the result's ``stdout`` is then empty) when it is given."""
        endpoint = f"GET pods/{pod}/exec"
        reason = self._policy(command)
        if reason is not None:
            raise ExecRefusedError(reason, system="kubernetes", endpoint=endpoint)
        if timeout_s <= 0 or limit_bytes <= 0:
            raise ValueError("timeout_s and limit_bytes must be positive")
        query = [("command", part) for part in command]
        if container:
            query.append(("container", container))
        query += [("stdout", "true"), ("stderr", "true")]
        url = _ws_url(self._config.host, namespace, pod, query)
        deadline = time.monotonic() + timeout_s
        try:
            with connect(
                url,
                ssl=ssl_context() if url.startswith("wss://") else None,
                subprotocols=[Subprotocol(p) for p in PROTOCOLS],
                additional_headers={"Authorization": f"Bearer {self._config.token}"},
                user_agent_header="configuration-anomaly-detection",
                proxy=None,
                compression=None,
                open_timeout=timeout_s,
                close_timeout=2,
                ping_interval=None,
                max_size=(min(limit_bytes, _FRAME_LIMIT) if stdout else limit_bytes) + 1024,
                logger=_WS_LOG,
            ) as ws:
                return self._stream(ws, endpoint, deadline, limit_bytes, stdout)
        except InvalidStatus as exc:
            raise self._refused_upgrade(exc, endpoint) from exc
        except TimeoutError as exc:
            raise ExecTimeoutError(
                f"no answer within {timeout_s:g}s", system="kubernetes", endpoint=endpoint
            ) from exc
        except InvalidHandshake as exc:
            raise MalformedResponseError(
                f"the WebSocket upgrade failed ({type(exc).__name__})",
                system="kubernetes",
                endpoint=endpoint,
            ) from exc
        except OSError as exc:
            raise NetworkError(
                f"connection failed ({type(exc).__name__})", system="kubernetes", endpoint=endpoint
            ) from exc

    def _stream(
        self,
        ws: ClientConnection,
        endpoint: str,
        deadline: float,
        limit: int,
        sink: Callable[[bytes], object] | None = None,
    ) -> ExecResult:
        protocol = ws.subprotocol or ""
        if protocol not in PROTOCOLS:
            raise MalformedResponseError(
                f"the server speaks none of {', '.join(PROTOCOLS)}",
                system="kubernetes",
                endpoint=endpoint,
            )
        out, err = bytearray(), bytearray()
        streamed = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            try:
                message = ws.recv(timeout=remaining)
            except ConnectionClosed as exc:
                if exc.sent is not None and exc.sent.code == _TOO_BIG:
                    raise self._too_much(endpoint, limit) from exc
                raise NetworkError(
                    "the connection closed before the command's status",
                    system="kubernetes",
                    endpoint=endpoint,
                ) from exc
            if isinstance(message, str) or not message:
                continue  # base64 protocols are not offered; empty frames open channels
            channel, data = message[0], message[1:]
            if channel in (_STDOUT, _STDERR):
                if channel == _STDOUT and sink is not None:
                    sink(data)
                    streamed += len(data)
                else:
                    (out if channel == _STDOUT else err).extend(data)
                if streamed + len(out) + len(err) > limit:
                    raise self._too_much(endpoint, limit)
            elif channel == _ERROR:
                try:
                    status = json.loads(data)
                except ValueError as exc:
                    raise MalformedResponseError(
                        "the status channel is not JSON", system="kubernetes", endpoint=endpoint
                    ) from exc
                return ExecResult(
                    stdout=out.decode("utf-8", errors="replace"),
                    stderr=err.decode("utf-8", errors="replace"),
                    exit_code=_exit_code(status if isinstance(status, dict) else {}, endpoint),
                    protocol=protocol,
                )

    @staticmethod
    def _too_much(endpoint: str, limit: int) -> ExecOutputLimitError:
        return ExecOutputLimitError(
            f"the command printed more than {limit} bytes", system="kubernetes", endpoint=endpoint
        )

    @staticmethod
    def _refused_upgrade(exc: InvalidStatus, endpoint: str) -> Exception:
        response = exc.response
        message, reason = "the exec request was refused", None
        try:
            body = json.loads(response.body or b"{}")
            message = str(body.get("message") or message)
            reason = str(body.get("reason") or "") or None
        except (ValueError, AttributeError):
            pass
        return error_for_status(
            response.status_code, message, system="kubernetes", endpoint=endpoint, code=reason
        )
