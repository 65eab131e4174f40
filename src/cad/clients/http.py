"""One place that turns HTTP failures into CAD's error types (for the httpx-based clients)."""

from __future__ import annotations

import functools
import json
import ssl
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import certifi
import httpx

from cad.errors import (
    ClientError,
    MalformedResponseError,
    NetworkError,
    OutcomeUnknownError,
    error_for_status,
)

__all__ = ["Gate", "HttpCaller", "parse_retry_after", "ssl_context"]

T = TypeVar("T")


class Gate(Protocol):
    """A shared rate budget a client's calls go through (:class:`cad.ratelimit.RateGate`)."""

    def call(self, key: str, endpoint: str, fn: Callable[[], T]) -> T:
        """``fn()`` once bucket ``key`` grants a slot; a 429 from ``fn`` is waited out."""
        ...


@functools.cache
def ssl_context(cafile: str | None = None) -> ssl.SSLContext:
    """A verifying TLS context for ``cafile`` (default: certifi's bundle), made once per
    process: loading a CA bundle costs tens of milliseconds per client otherwise."""
    return ssl.create_default_context(cafile=cafile or certifi.where())


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` (or ``ratelimit-reset``) header; ``None`` if absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class HttpCaller:
    """Sends requests for one system and translates every failure.

    ``describe_error`` extracts ``(message, code, operation_id)`` from an error body; the
    default reads nothing. Query strings never reach error messages (they may hold search
    values); headers never do. With a ``gate``, every request waits for a slot of the
    shared rate budget's bucket ``gate_key`` first.
    """

    def __init__(
        self,
        system: str,
        client: httpx.Client,
        *,
        describe_error: Callable[[Any], tuple[str | None, str | None, str | None]] | None = None,
        gate: Gate | None = None,
        gate_key: str = "",
    ) -> None:
        self.system = system
        self.client = client
        self._describe = describe_error or (lambda _body: (None, None, None))
        self.gate = gate
        self.gate_key = gate_key

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send the request; raise the right :class:`ClientError` for anything but 2xx."""
        if self.gate is None:
            return self._send(method, path, **kwargs)
        return self.gate.call(
            self.gate_key, f"{method} {path}", lambda: self._send(method, path, **kwargs)
        )

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        endpoint = f"{method} {path}"
        try:
            response = self.client.request(method, path, **kwargs)
        except (httpx.ReadTimeout, httpx.RemoteProtocolError) as exc:
            what = (
                "timed out waiting for the answer"
                if isinstance(exc, httpx.ReadTimeout)
                else "the answer was cut short"
            )
            raise OutcomeUnknownError(
                f"{what} ({type(exc).__name__}); the server may still apply the request",
                system=self.system,
                endpoint=endpoint,
            ) from exc
        except httpx.TimeoutException as exc:
            raise NetworkError(
                f"timed out ({type(exc).__name__})", system=self.system, endpoint=endpoint
            ) from exc
        except httpx.TransportError as exc:
            raise NetworkError(
                f"connection failed ({type(exc).__name__})", system=self.system, endpoint=endpoint
            ) from exc
        if response.is_success:
            return response
        raise self.error_for(response, endpoint)

    def error_for(self, response: httpx.Response, endpoint: str) -> ClientError:
        """The error for a non-2xx response."""
        try:
            body: Any = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        message, code, operation_id = (None, None, None)
        if body is not None:
            try:
                message, code, operation_id = self._describe(body)
            except (AttributeError, KeyError, TypeError):
                message = None
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        return error_for_status(
            response.status_code,
            message or response.reason_phrase or "error",
            system=self.system,
            endpoint=endpoint,
            code=code,
            operation_id=operation_id,
            retry_after=retry_after,
        )

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send the request and return its JSON body (a malformed body is an error)."""
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise MalformedResponseError(
                "the answer is not JSON", system=self.system, endpoint=f"{method} {path}"
            ) from exc

    def malformed(self, method: str, path: str, what: str) -> MalformedResponseError:
        """An error saying the answer of ``method path`` lacks or mistypes ``what``."""
        return MalformedResponseError(what, system=self.system, endpoint=f"{method} {path}")
