"""Who may read the web UI: whoever holds the API token (``CAD_API_TOKEN``, the same as for
``/runs``), once per session.

The login form posts the token; CAD compares it in constant time and answers with a session
cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) signed with a key derived from the
token: no session is kept on the server, every receiver replica accepts it, and a new token
ends every session. The cookie holds a random session id and its age, never the token.
Forms carry a CSRF token: the login form a random one also set in a cookie (double submit),
the others one derived from the session id.

Without a token, the UI is open when the history is (every listener on loopback), and
refused otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = ["LOGIN_COOKIE", "SESSION_COOKIE", "UiAccess", "UiSession"]

SESSION_COOKIE = "cad_ui_session"
LOGIN_COOKIE = "cad_ui_login"
_KEY_PURPOSE = b"cad web ui session key v1"


@dataclass(frozen=True)
class UiSession:
    """A reader's session: ``csrf`` is the token its forms carry. An open UI's session
    (``open=True``) has none: it has no forms to protect."""

    csrf: str
    open: bool = False


class UiAccess:
    """Checks tokens, issues session cookies and reads them back."""

    def __init__(
        self, api_token: str | None, *, open_access: bool, max_age_s: int = 8 * 3600
    ) -> None:
        self.max_age_s = max_age_s
        self.open = api_token is None and open_access
        self._token = api_token.encode() if api_token is not None else None
        self._key = (
            hmac.new(self._token, _KEY_PURPOSE, hashlib.sha256).digest()
            if self._token is not None
            else None
        )
        self._cookies = (
            URLSafeTimedSerializer(self._key, salt="cad-ui-session")
            if self._key is not None
            else None
        )

    @property
    def login_possible(self) -> bool:
        """Whether a token can be given at all (one is configured)."""
        return self._token is not None

    def token_matches(self, given: str) -> bool:
        """Whether ``given`` is the API token (constant time)."""
        if self._token is None:
            return False
        return hmac.compare_digest(given.encode(), self._token)

    def new_session(self) -> str:
        """The value of a new session's cookie."""
        assert self._cookies is not None, "no token, no sessions"
        return str(self._cookies.dumps({"sid": secrets.token_urlsafe(18)}))

    def session(self, cookie: str | None) -> UiSession | None:
        """The session ``cookie`` carries, or ``None`` (absent, forged, expired, or signed
        with another token). An open UI has a session for everyone."""
        if self.open:
            return UiSession(csrf="", open=True)
        if self._cookies is None or not cookie:
            return None
        try:
            data = self._cookies.loads(cookie, max_age=self.max_age_s)
        except BadSignature:  # SignatureExpired is one
            return None
        sid = data.get("sid") if isinstance(data, dict) else None
        if not isinstance(sid, str):
            return None
        return UiSession(csrf=self._csrf(sid))

    def _csrf(self, sid: str) -> str:
        assert self._key is not None
        return hmac.new(self._key, f"csrf:{sid}".encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def login_nonce() -> str:
        """A new CSRF token for the login form (also set as :data:`LOGIN_COOKIE`)."""
        return secrets.token_urlsafe(24)

    @staticmethod
    def same(given: str | None, expected: str | None) -> bool:
        """Whether two CSRF tokens are present and equal (constant time)."""
        if not given or not expected:
            return False
        return hmac.compare_digest(given.encode(), expected.encode())
