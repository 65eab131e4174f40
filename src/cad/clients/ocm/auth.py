"""OAuth2 client-credentials tokens from the SSO token URL, cached and refreshed early."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator

import httpx

from cad.clients.http import ssl_context
from cad.errors import AuthenticationError, MalformedResponseError, NetworkError, error_for_status

__all__ = ["BearerAuth", "TokenSource"]

_REFRESH_MARGIN_S = 60.0


class TokenSource:
    """Fetches access tokens with the client-credentials grant and caches them until a
    minute before they expire. Thread-safe. The client secret never appears in errors."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = token_url
        self._client_id = client_id
        self._secret = client_secret
        self._http = http or httpx.Client(timeout=httpx.Timeout(15.0), verify=ssl_context())
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.fetches = 0

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def token(self, *, force: bool = False) -> str:
        """A valid access token; a fresh one when ``force`` or when the cached one expires."""
        with self._lock:
            if force or self._token is None or self._clock() >= self._expires_at:
                self._token, lifetime = self._fetch()
                self._expires_at = self._clock() + max(0.0, lifetime - _REFRESH_MARGIN_S)
            return self._token

    def _fetch(self) -> tuple[str, float]:
        endpoint = "POST <sso token url>"
        try:
            response = self._http.post(
                self._url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "scope": "openid",
                },
                auth=(self._client_id, self._secret),
                headers={"Accept": "application/json"},
            )
        except httpx.TransportError as exc:
            raise NetworkError(
                f"token request failed ({type(exc).__name__})", system="sso", endpoint=endpoint
            ) from exc
        self.fetches += 1
        if response.status_code in (400, 401):
            raise AuthenticationError(
                "the SSO server rejected the OCM client id or secret",
                system="sso",
                endpoint=endpoint,
                status=response.status_code,
            )
        if not response.is_success:
            raise error_for_status(
                response.status_code, "token request failed", system="sso", endpoint=endpoint
            )
        try:
            body = response.json()
            token, lifetime = body["access_token"], float(body.get("expires_in", 900))
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedResponseError(
                "the token answer has no access_token", system="sso", endpoint=endpoint
            ) from exc
        if not isinstance(token, str) or not token:
            raise MalformedResponseError("empty access_token", system="sso", endpoint=endpoint)
        return token, lifetime


class BearerAuth(httpx.Auth):
    """Adds the bearer token; on a 401 fetches a new token once and retries the request."""

    def __init__(self, source: TokenSource) -> None:
        self.source = source

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.source.token()}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.source.token(force=True)}"
            yield request
