"""Anonymous credentials for Red Hat's SFTP server (https://access.redhat.com/articles/5594481).

``POST <token-url>`` with ``{"isAnonymous": true}`` answers ``{"username", "token",
"expiryDate"}``: a throw-away user whose home is ``/anonymous/users/<username>``. The URL is
``CAD_SFTP_TOKEN_URL`` (default the public
https://access.redhat.com/hydra/rest/v2/sftp/token). As the original's mustgather: 3
attempts, 2 s then 4 s apart, 30 s each, 2 minutes in all. The token is a password: it is
never logged, and ``repr`` hides it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from cad.clients.http import HttpCaller, ssl_context
from cad.retry import GaveUpError, RetryPolicy, call_with_retries

__all__ = [
    "DEFAULT_SFTP_TOKEN_URL",
    "TOKEN_RETRY",
    "SftpCredentials",
    "SftpTokenClient",
]

DEFAULT_SFTP_TOKEN_URL = "https://access.redhat.com/hydra/rest/v2/sftp/token"  # noqa: S105  # a URL

TOKEN_RETRY = RetryPolicy(
    max_attempts=3, deadline_s=120.0, initial_wait_s=2.0, max_wait_s=4.0, jitter_s=0.0
)
"""The original's: 3 attempts, 2 s then 4 s apart, 2 minutes in all."""


@dataclass(frozen=True)
class SftpCredentials:
    """An anonymous SFTP user and its token (a password, kept out of ``repr``)."""

    username: str
    token: str = field(repr=False)

    @property
    def home(self) -> str:
        """The user's upload directory on the server."""
        return f"/anonymous/users/{self.username}"


def _describe(body: object) -> tuple[str | None, str | None, str | None]:
    if isinstance(body, dict):
        message = body.get("message") or body.get("error")
        return (str(message) if message else None), None, None
    return None, None, None


class SftpTokenClient:
    """Asks the token endpoint for anonymous credentials. One instance per process."""

    def __init__(
        self,
        url: str = DEFAULT_SFTP_TOKEN_URL,
        *,
        timeout_s: float = 30.0,
        retry: RetryPolicy = TOKEN_RETRY,
        cafile: str | None = None,
    ) -> None:
        parts = urlsplit(url)
        self._path = parts.path or "/"
        self._retry = retry
        client = httpx.Client(
            base_url=f"{parts.scheme}://{parts.netloc}",
            timeout=httpx.Timeout(timeout_s),
            headers={"User-Agent": "configuration-anomaly-detection"},
            verify=ssl_context(cafile),
            trust_env=False,
        )
        self._http = HttpCaller("sftp-token", client, describe_error=_describe)

    def credentials(self) -> SftpCredentials:
        """New anonymous credentials, retried as the original; the last error if it gives up."""
        try:
            return call_with_retries(self._ask, policy=self._retry)[0]
        except GaveUpError as failure:
            raise failure.error from failure.error.__cause__

    def _ask(self) -> SftpCredentials:
        body = self._http.json("POST", self._path, json={"isAnonymous": True})
        username = body.get("username") if isinstance(body, dict) else None
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(username, str) or not username or not isinstance(token, str) or not token:
            raise self._http.malformed("POST", self._path, "the answer has no username and token")
        if "/" in username or username in (".", ".."):
            raise self._http.malformed("POST", self._path, "the username is not a plain name")
        return SftpCredentials(username=username, token=token)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.client.close()
