"""PagerDuty through the official ``pagerduty`` client, with its own retries switched off
(the executor decides retries) and every failure translated to CAD's errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import pagerduty

from cad.clients.http import parse_retry_after, ssl_context
from cad.clients.pagerduty.payload import cluster_id_from_alerts
from cad.clients.writers import IncidentState
from cad.errors import (
    ClientError,
    InvalidRequestError,
    MalformedResponseError,
    NetworkError,
    PermanentError,
    error_for_status,
)

__all__ = [
    "ALREADY_RESOLVED",
    "IncidentAlreadyResolvedError",
    "IncidentDetails",
    "InvalidEscalationError",
    "PagerDutyConnection",
    "PagerDutyReader",
    "PagerDutyWriteClient",
]

T = TypeVar("T")

ALREADY_RESOLVED = 1001
INVALID_ESCALATION = frozenset({1006, 1014, 5001})
# In the client's retry table 0 means "default", which for 429 is "retry forever"; any other
# negative value but -1 makes it return the response at once.
_NO_RETRY = -2


class IncidentAlreadyResolvedError(PermanentError):
    """The incident is resolved; changing it is pointless (PagerDuty code 1001)."""


class InvalidEscalationError(InvalidRequestError):
    """The escalation policy or level is wrong (codes 1006, 1014, 5001): a configuration
    problem a human must fix, never swallowed."""


class IncidentDetails(IncidentState):
    """The incident as CAD reads it."""

    html_url: str = ""
    service_id: str = ""
    service_summary: str = ""


class PagerDutyConnection:
    """The official client configured for CAD: base URL, CA bundle, From address, no retries."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = "https://api.pagerduty.com",
        from_email: str,
        verify: bool | str = True,
        timeout_s: float = 30.0,
    ) -> None:
        context = ssl_context(verify) if isinstance(verify, str) else verify
        self.client = pagerduty.RestApiV2Client(
            token, default_from=from_email, base_url=base_url, verify=context
        )
        self.client.timeout = int(timeout_s)
        # With its retries off, the client logs every non-2xx as "exceeded maximum number of
        # attempts"; CAD reports the translated error itself.
        quiet = logging.getLogger("cad.clients.pagerduty.official")
        quiet.disabled = True
        self.client.log = quiet
        self.client.max_network_attempts = 0
        self.client.retry = {429: _NO_RETRY, 500: _NO_RETRY, 502: _NO_RETRY, 503: _NO_RETRY}

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.client.close()

    def call(self, endpoint: str, fn: Callable[[], T]) -> T:
        """Run one client call, translating its failures."""
        try:
            return fn()
        except pagerduty.HttpError as exc:
            raise _translate(exc.response, endpoint) from exc
        except pagerduty.Error as exc:
            raise NetworkError(
                f"connection failed ({type(exc.__cause__).__name__})",
                system="pagerduty",
                endpoint=endpoint,
            ) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponseError(
                f"unexpected answer ({type(exc).__name__})", system="pagerduty", endpoint=endpoint
            ) from exc


def _translate(response: Any, endpoint: str) -> ClientError:
    code: int | None = None
    message = ""
    try:
        error = response.json().get("error", {})
        code = int(error["code"]) if "code" in error else None
        message = str(error.get("message", ""))
    except (ValueError, AttributeError, TypeError, KeyError):
        pass
    status = int(response.status_code)
    code_text = str(code) if code is not None else None
    if code == ALREADY_RESOLVED:
        return IncidentAlreadyResolvedError(
            message or "incident already resolved",
            system="pagerduty",
            endpoint=endpoint,
            status=status,
            code=code_text,
        )
    if code in INVALID_ESCALATION and status == 400:
        return InvalidEscalationError(
            message or "invalid escalation policy or level",
            system="pagerduty",
            endpoint=endpoint,
            status=status,
            code=code_text,
        )
    headers = response.headers
    # PagerDuty sends its rate-limit headers on every answer: the window's reset time is a
    # wait only for a 429 (honouring it on a 503 stalled every retry by half a minute).
    reset = headers.get("ratelimit-reset") if status == 429 else None
    retry_after = parse_retry_after(headers.get("retry-after") or reset)
    return error_for_status(
        status,
        message or "error",
        system="pagerduty",
        endpoint=endpoint,
        code=code_text,
        retry_after=retry_after,
    )


def _state(incident: Any, endpoint: str) -> IncidentDetails:
    if not isinstance(incident, dict) or not isinstance(incident.get("id"), str):
        raise MalformedResponseError(
            "no incident in the answer", system="pagerduty", endpoint=endpoint
        )
    policy = _object(incident, "escalation_policy", endpoint)
    service = _object(incident, "service", endpoint)
    level = incident.get("escalation_level")
    if level is not None and (not isinstance(level, int) or isinstance(level, bool)):
        raise MalformedResponseError(
            f"the incident's escalation_level is a {type(level).__name__}, not an integer",
            system="pagerduty",
            endpoint=endpoint,
        )
    return IncidentDetails(
        id=incident["id"],
        title=str(incident.get("title", "")),
        status=str(incident.get("status", "")),
        escalation_policy_id=str(policy.get("id", "")),
        escalation_level=level,
        html_url=str(incident.get("html_url", "")),
        service_id=str(service.get("id", "")),
        service_summary=str(service.get("summary", "")),
    )


def _object(incident: dict[str, Any], field: str, endpoint: str) -> dict[str, Any]:
    """The incident's ``field`` reference (``{}`` when absent); any other type is a
    :class:`MalformedResponseError` that names the field."""
    value = incident.get(field) or {}
    if not isinstance(value, dict):
        raise MalformedResponseError(
            f"the incident's {field} is a {type(value).__name__}, not an object",
            system="pagerduty",
            endpoint=endpoint,
        )
    return value


class PagerDutyReader:
    """Read-only incident calls."""

    def __init__(self, conn: PagerDutyConnection) -> None:
        self.conn = conn

    def get_incident(self, incident_id: str) -> IncidentDetails:
        """The incident's title, status, policy and service."""
        endpoint = f"GET /incidents/{incident_id}"
        return _state(
            self.conn.call(endpoint, lambda: self.conn.client.rget(f"/incidents/{incident_id}")),
            endpoint,
        )

    def list_alerts(self, incident_id: str) -> list[dict[str, Any]]:
        """Every alert of the incident (all pages)."""
        endpoint = f"GET /incidents/{incident_id}/alerts"
        alerts = self.conn.call(
            endpoint, lambda: list(self.conn.client.iter_all(f"/incidents/{incident_id}/alerts"))
        )
        return [a for a in alerts if isinstance(a, dict)]

    def cluster_id(self, incident_id: str) -> str:
        """The cluster id named by the incident's alerts (three formats, as the original)."""
        return cluster_id_from_alerts(self.list_alerts(incident_id))


class PagerDutyWriteClient(PagerDutyReader):
    """The incident changes the executor makes (implements ``PagerDutyWriter``)."""

    def __init__(
        self, conn: PagerDutyConnection, *, silent_policy_id: str, escalation_level: int = 2
    ) -> None:
        super().__init__(conn)
        self._silent_policy_id = silent_policy_id
        self.escalation_level = escalation_level

    @property
    def silent_policy_id(self) -> str:
        """The escalation policy CAD moves incidents to when it silences them."""
        return self._silent_policy_id

    def add_note(self, incident_id: str, content: str) -> None:
        """Add a note (with the configured From address)."""
        path = f"/incidents/{incident_id}/notes"
        self.conn.call(
            f"POST {path}", lambda: self.conn.client.rpost(path, json={"content": content})
        )

    def list_notes(self, incident_id: str) -> list[str]:
        """The contents of the incident's notes (the API returns them all, unpaginated)."""
        path = f"/incidents/{incident_id}/notes"
        notes = self.conn.call(f"GET {path}", lambda: self.conn.client.rget(path))
        if not isinstance(notes, list):
            raise MalformedResponseError(
                "no notes in the answer", system="pagerduty", endpoint=path
            )
        return [str(n.get("content", "")) for n in notes if isinstance(n, dict)]

    def _update(self, incident_id: str, fields: dict[str, Any]) -> None:
        path = f"/incidents/{incident_id}"
        body = {"type": "incident_reference", **fields}
        self.conn.call(f"PUT {path}", lambda: self.conn.client.rput(path, json=body))

    def silence(self, incident_id: str) -> None:
        """Move the incident to the silent policy; a resolved incident is left alone."""
        try:
            self._update(
                incident_id,
                {
                    "escalation_policy": {
                        "id": self._silent_policy_id,
                        "type": "escalation_policy_reference",
                    }
                },
            )
        except IncidentAlreadyResolvedError:
            return

    def escalate(self, incident_id: str) -> None:
        """Escalate to the configured level; a resolved incident is left alone. A policy
        without that level raises :class:`InvalidEscalationError` (never swallowed)."""
        try:
            self._update(incident_id, {"escalation_level": self.escalation_level})
        except IncidentAlreadyResolvedError:
            return

    def update_title(self, incident_id: str, title: str) -> None:
        """Replace the incident's title."""
        self._update(incident_id, {"title": title})
