"""PagerDuty through the official ``pagerduty`` client, with its own retries switched off
(the executor decides retries) and every failure translated to CAD's errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import httpx2
import pagerduty

from cad.clients.http import Gate, parse_retry_after, ssl_context
from cad.clients.pagerduty.payload import cluster_id_from_alerts
from cad.clients.writers import IncidentState
from cad.errors import (
    ClientError,
    InvalidRequestError,
    MalformedResponseError,
    NetworkError,
    OutcomeUnknownError,
    PermanentError,
    error_for_status,
)

__all__ = [
    "ALREADY_RESOLVED",
    "INVALID_INPUT",
    "IncidentAlreadyResolvedError",
    "IncidentDetails",
    "InvalidEscalationError",
    "PagerDutyConnection",
    "PagerDutyReader",
    "PagerDutyWriteClient",
]

T = TypeVar("T")

# PagerDuty answers HTTP 400 with code 2001 ("Invalid Input Provided") both when the incident
# is already resolved and when an escalation policy or level cannot be applied; only the body's
# ``errors`` list tells them apart (external-apis.md §1.6).
INVALID_INPUT = 2001
# The item PagerDuty puts in ``errors`` for a resolved incident. Matching this exact item is
# the one place CAD reads an error's text: it is the vendor's documented signal (the Go
# original matches the same words), with no code or status of its own to go by.
ALREADY_RESOLVED = "Incident Already Resolved"
# An update carrying either field asks PagerDuty to change the incident's escalation.
_ESCALATION_FIELDS = frozenset({"escalation_level", "escalation_policy"})
# In the client's retry table 0 means "default", which for 429 is "retry forever"; any other
# negative value but -1 makes it return the response at once.
_NO_RETRY = -2


class IncidentAlreadyResolvedError(PermanentError):
    """The incident is resolved; changing it is pointless (HTTP 400, code 2001, ``errors``
    naming "Incident Already Resolved")."""


class InvalidEscalationError(InvalidRequestError):
    """PagerDuty refused to change the incident's escalation policy or level as invalid input
    (HTTP 400, code 2001): a policy without that level or an unknown policy, a configuration
    problem a human must fix, never swallowed."""


class IncidentDetails(IncidentState):
    """The incident as CAD reads it."""

    html_url: str = ""
    service_id: str = ""
    service_summary: str = ""


class PagerDutyConnection:
    """The official client configured for CAD: base URL, CA bundle, From address, no
    retries; with a ``gate``, each call waits for a slot of the token's shared rate budget
    (bucket ``gate_key``, a digest of the token) and waits out a 429."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = "https://api.pagerduty.com",
        from_email: str,
        verify: bool | str = True,
        timeout_s: float = 30.0,
        gate: Gate | None = None,
        gate_key: str = "",
    ) -> None:
        self.gate = gate
        self.gate_key = gate_key
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
        if self.gate is None:
            return self._call(endpoint, fn)
        return self.gate.call(self.gate_key, endpoint, lambda: self._call(endpoint, fn))

    def _call(self, endpoint: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except pagerduty.HttpError as exc:
            raise _translate(exc.response, endpoint) from exc
        except pagerduty.Error as exc:
            # The client wraps httpx2's errors: a read timeout or an answer cut short means
            # the request went out, and PagerDuty may still apply it.
            unknown = isinstance(exc.__cause__, httpx2.ReadTimeout | httpx2.RemoteProtocolError)
            raise (OutcomeUnknownError if unknown else NetworkError)(
                f"connection failed ({type(exc.__cause__).__name__})",
                system="pagerduty",
                endpoint=endpoint,
            ) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponseError(
                f"unexpected answer ({type(exc).__name__})", system="pagerduty", endpoint=endpoint
            ) from exc


def _error_body(response: Any) -> tuple[int | None, str, list[str]]:
    """PagerDuty's ``{"error": {"code", "message", "errors"}}``; tolerant of empty bodies."""
    try:
        error = response.json().get("error", {})
        code = int(error["code"]) if "code" in error else None
        details = error.get("errors") or []
        errors = [str(item) for item in details] if isinstance(details, list) else []
        return code, str(error.get("message", "")), errors
    except (ValueError, AttributeError, TypeError, KeyError):
        return None, "", []


def _changes_escalation(response: Any) -> bool:
    """Whether the refused request was an incident update changing policy or level."""
    request = getattr(response, "request", None)
    if request is None or request.method != "PUT":
        return False
    try:
        body = json.loads(request.content)
    except (ValueError, TypeError):
        return False
    if not isinstance(body, dict):
        return False
    updates = body.get("incidents") or [body.get("incident")]  # bulk or single form
    return isinstance(updates, list) and any(
        isinstance(update, dict) and _ESCALATION_FIELDS & update.keys() for update in updates
    )


def _translate(response: Any, endpoint: str) -> ClientError:
    code, message, errors = _error_body(response)
    status = int(response.status_code)
    code_text = str(code) if code is not None else None
    text = "; ".join([message or "error", *errors]) if errors else message
    if status == 400 and ALREADY_RESOLVED in errors:
        return IncidentAlreadyResolvedError(
            text, system="pagerduty", endpoint=endpoint, status=status, code=code_text
        )
    if status == 400 and code == INVALID_INPUT and _changes_escalation(response):
        return InvalidEscalationError(
            text or "invalid escalation policy or level",
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
        text or "error",
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
    return IncidentDetails(
        id=incident["id"],
        title=str(incident.get("title", "")),
        status=str(incident.get("status", "")),
        escalation_policy_id=str(policy.get("id", "")),
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
        self.reassign(incident_id, self._silent_policy_id)

    def reassign(self, incident_id: str, policy_id: str) -> None:
        """Move the incident to another escalation policy (PagerDuty starts it at that
        policy's first level); a resolved incident is left alone."""
        try:
            self._update(
                incident_id,
                {"escalation_policy": {"id": policy_id, "type": "escalation_policy_reference"}},
            )
        except IncidentAlreadyResolvedError:
            return

    def service_escalation_policy(self, incident_id: str) -> str:
        """The escalation policy of the incident's service (``GET /services/{id}``): where
        PagerDuty routes the incident when nobody moved it."""
        service_id = self.get_incident(incident_id).service_id
        path = f"/services/{service_id}"
        service = self.conn.call(f"GET {path}", lambda: self.conn.client.rget(path))
        policy = service.get("escalation_policy") if isinstance(service, dict) else None
        if not isinstance(policy, dict) or not isinstance(policy.get("id"), str):
            raise MalformedResponseError(
                "the service has no escalation policy", system="pagerduty", endpoint=f"GET {path}"
            )
        return str(policy["id"])

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
