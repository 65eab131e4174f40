"""The PagerDuty simulator: incidents with status, title, escalation policy and level,
notes and alerts; REST API v2 shapes, wrapped entities, real error bodies, ``ratelimit-*``
headers, the ``From`` header required on writes. Served over TLS by the sandbox.

Answers carry only fields of PagerDuty's published schemas: the escalation level is state the
simulator keeps (as PagerDuty does) but, like PagerDuty, never returns."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cad.simulators.clock import SimClock
from cad.simulators.common import WriteJournal
from cad.simulators.faults import FaultBook, FaultMiddleware
from cad.simulators.request_hooks import RequestHook, RequestHooks

__all__ = ["PagerDutySimulator", "SimIncident"]

RATE_HEADERS = {"ratelimit-limit": "960", "ratelimit-remaining": "959", "ratelimit-reset": "30"}
_MESSAGES = {
    400: "Invalid Input Provided",
    401: "Authentication failed",
    403: "Access Denied",
    404: "Not Found",
    429: "Rate Limit Exceeded",
}
_CODES = {400: 2001, 401: 2006, 403: 2010, 404: 2100, 429: 2020}


def pd_error(
    status: int,
    message: str | None = None,
    code: int | None = None,
    errors: list[str] | None = None,
) -> dict[str, Any]:
    """A PagerDuty error body."""
    body: dict[str, Any] = {
        "message": message or _MESSAGES.get(status, "Internal Server Error"),
        "code": code if code is not None else _CODES.get(status, 5000),
    }
    if errors:
        body["errors"] = errors
    return {"error": body}


def _reply(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=RATE_HEADERS)


@dataclass
class SimIncident:
    """An incident in the simulator. ``escalation_level`` is for tests to inspect: PagerDuty's
    Incident object has no such field, so :meth:`to_api` leaves it out."""

    id: str
    title: str
    service_id: str = "PSVC001"
    service_summary: str = "osd-deadmanssnitch"
    status: str = "triggered"
    escalation_policy_id: str = "PORIGINAL"
    escalation_level: int = 1
    alerts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    number: int = 1

    def to_api(self, base: str) -> dict[str, Any]:
        """The REST API's incident object."""
        return {
            "id": self.id,
            "type": "incident",
            "incident_number": self.number,
            "title": self.title,
            "summary": f"[#{self.number}] {self.title}",
            "status": self.status,
            "self": f"{base}/incidents/{self.id}",
            "html_url": f"https://sim.pagerduty.com/incidents/{self.id}",
            "service": {
                "id": self.service_id,
                "type": "service_reference",
                "summary": self.service_summary,
            },
            "escalation_policy": {
                "id": self.escalation_policy_id,
                "type": "escalation_policy_reference",
                "summary": f"Policy {self.escalation_policy_id}",
            },
            "urgency": "high",
        }


class PagerDutySimulator:
    """State and app. ``policies`` maps policy id to its number of levels, ``services``
    service id to its escalation policy."""

    def __init__(
        self, clock: SimClock, *, token: str = "pd-sim-token", require_from: bool = True
    ) -> None:
        self.clock = clock
        self.token = token
        self.require_from = require_from
        self.silent_policy_id = "PSILENT"
        self.faults = FaultBook()
        self.hooks = RequestHooks()
        self.writes = WriteJournal()
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._note_ids = itertools.count(1)
        self.base_url = "https://127.0.0.1"
        self.reset()
        self.app = FaultMiddleware(
            self._build(), self.faults, lambda status, msg: (pd_error(status), dict(RATE_HEADERS))
        )

    def reset(self) -> None:
        """Forget every incident, write and fault."""
        with self._lock:
            self.incidents: dict[str, SimIncident] = {}
            self.policies: dict[str, int] = {"PORIGINAL": 3, self.silent_policy_id: 2}
            self.services: dict[str, str] = {"PSVC001": "PORIGINAL"}
        self.writes.clear()
        self.faults.clear()
        self.hooks.clear()

    def add_policy(self, policy_id: str, levels: int = 3) -> None:
        """An escalation policy incidents may be moved to."""
        with self._lock:
            self.policies[policy_id] = levels

    def add_incident(
        self,
        incident_id: str,
        title: str,
        *,
        alerts: list[dict[str, Any]] | None = None,
        service_id: str = "PSVC001",
        service_summary: str = "osd-deadmanssnitch",
        status: str = "triggered",
    ) -> SimIncident:
        """Create an incident; ``alerts`` are the ``body.details`` of each alert."""
        incident = SimIncident(
            id=incident_id,
            title=title,
            service_id=service_id,
            service_summary=service_summary,
            status=status,
            number=next(self._numbers),
        )
        for i, details in enumerate(alerts or []):
            incident.alerts.append(
                {
                    "id": f"A{incident_id}{i}",
                    "type": "alert",
                    "status": "triggered",
                    "summary": title,
                    "created_at": self.clock.now().isoformat(),
                    "service": {
                        "id": service_id,
                        "type": "service_reference",
                        "summary": service_summary,
                    },
                    "incident": {"id": incident_id, "type": "incident_reference"},
                    "body": {"type": "alert_body", "contexts": [], "details": details},
                }
            )
        with self._lock:
            self.incidents[incident_id] = incident
            self.services.setdefault(service_id, "PORIGINAL")
        return incident

    def webhook_payload(
        self,
        incident_id: str,
        *,
        payload_format: str = "webhook_v3",
        event_type: str = "incident.triggered",
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """The payload PagerDuty would post for the incident: WebhookV3 (one event) or the
        minimal Event Orchestration form."""
        incident = self.incident(incident_id)
        if payload_format == "event_orchestration":
            return {"__pd_metadata": {"incident": {"id": incident.id}}}
        return {
            "event": {
                "id": event_id or f"evt-{incident.id}",
                "event_type": event_type,
                "resource_type": "incident",
                "occurred_at": self.clock.now().isoformat(),
                "agent": None,
                "client": None,
                "data": {
                    **incident.to_api(self.base_url),
                    "number": incident.number,
                    "assignees": [],
                    "teams": [],
                    "priority": None,
                },
            }
        }

    def incident(self, incident_id: str) -> SimIncident:
        """An incident by id (KeyError if unknown)."""
        with self._lock:
            return self.incidents[incident_id]

    def resolve(self, incident_id: str) -> None:
        """Resolve the incident, as a responder would (not a write of CAD's: not journalled).
        ``PUT /incidents/{id}`` with ``status: resolved`` does the same over the API."""
        with self._lock:
            self.incidents[incident_id].status = "resolved"

    def after(
        self, method: str, path: str, then: Callable[[], None], *, times: int | None = 1
    ) -> RequestHook:
        """Call ``then`` once a request matching ``method`` and ``path`` (a glob) has been
        answered: ``after("GET", "/incidents/Q1/alerts", lambda: sim.resolve("Q1"))``
        resolves the incident while CAD's run is under way."""
        return self.hooks.add(method, path, then, times=times)

    def _build(self) -> FastAPI:
        app = FastAPI(openapi_url=None)
        sim = self

        @app.middleware("http")
        async def auth(request: Request, call_next: Any) -> Any:
            if request.headers.get("authorization") != f"Token token={sim.token}":
                return _reply(pd_error(401), 401)
            writes = request.method in ("POST", "PUT")
            if writes and sim.require_from and not request.headers.get("from"):
                return _reply(
                    pd_error(
                        400,
                        "You must specify a user's email address in the "
                        '"From" header to perform this action',
                        2016,
                    ),
                    400,
                )
            answer = await call_next(request)
            sim.hooks.answered(request.method, request.url.path)
            return answer

        def find(incident_id: str) -> SimIncident | None:
            with sim._lock:
                return sim.incidents.get(incident_id)

        @app.get("/incidents/{incident_id}")
        async def get_incident(incident_id: str) -> JSONResponse:
            incident = find(incident_id)
            if incident is None:
                return _reply(pd_error(404), 404)
            return _reply({"incident": incident.to_api(sim.base_url)})

        @app.get("/services/{service_id}")
        async def get_service(service_id: str) -> JSONResponse:
            with sim._lock:
                policy = sim.services.get(service_id)
            if policy is None:
                return _reply(pd_error(404, "Service Not Found", 2100), 404)
            return _reply(
                {
                    "service": {
                        "id": service_id,
                        "type": "service",
                        "summary": service_id,
                        "escalation_policy": {
                            "id": policy,
                            "type": "escalation_policy_reference",
                            "summary": f"Policy {policy}",
                        },
                    }
                }
            )

        @app.get("/incidents/{incident_id}/alerts")
        async def alerts(incident_id: str, request: Request) -> JSONResponse:
            incident = find(incident_id)
            if incident is None:
                return _reply(pd_error(404), 404)
            limit = min(int(request.query_params.get("limit", "25")), 100)
            offset = int(request.query_params.get("offset", "0"))
            chunk = incident.alerts[offset : offset + limit]
            return _reply(
                {
                    "alerts": chunk,
                    "limit": limit,
                    "offset": offset,
                    "more": offset + limit < len(incident.alerts),
                    "total": None,
                }
            )

        @app.get("/incidents/{incident_id}/notes")
        async def list_notes(incident_id: str) -> JSONResponse:
            incident = find(incident_id)
            if incident is None:
                return _reply(pd_error(404), 404)
            with sim._lock:
                return _reply({"notes": list(incident.notes)})

        @app.post("/incidents/{incident_id}/notes")
        async def add_note(incident_id: str, request: Request) -> JSONResponse:
            incident = find(incident_id)
            if incident is None:
                return _reply(pd_error(404), 404)
            try:
                content = (await request.json())["note"]["content"]
                if not isinstance(content, str) or not content.strip():
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return _reply(pd_error(400, errors=["Note content is required"]), 400)
            note = {
                "id": f"N{next(sim._note_ids)}",
                "content": content,
                "created_at": sim.clock.now().isoformat(),
                "user": {
                    "id": "PSIMUSR",
                    "type": "user_reference",
                    "summary": request.headers.get("from", ""),
                },
            }
            with sim._lock:
                incident.notes.append(note)
            sim.writes.add("POST", request.url.path, {"content": content}, sim.clock.now())
            return _reply({"note": note}, 201)

        def apply(incident_id: str, fields: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            with sim._lock:
                incident = sim.incidents.get(incident_id)
                if incident is None:
                    return 404, pd_error(404)
                if incident.status == "resolved":
                    return 400, pd_error(400, errors=["Incident Already Resolved"])
                policy = fields.get("escalation_policy")
                if isinstance(policy, dict):
                    # PagerDuty publishes no ``errors`` text for an unknown policy or a level
                    # the policy lacks: the bare "Invalid Input Provided" is what is known.
                    if policy.get("id") not in sim.policies:
                        return 400, pd_error(400)
                    incident.escalation_policy_id = str(policy["id"])
                    incident.escalation_level = 1
                if "escalation_level" in fields:
                    level = fields["escalation_level"]
                    if not isinstance(level, int) or level > sim.policies.get(
                        incident.escalation_policy_id, 1
                    ):
                        return 400, pd_error(400)
                    incident.escalation_level = level
                if isinstance(fields.get("title"), str):
                    incident.title = fields["title"]
                if fields.get("status") in ("acknowledged", "resolved", "triggered"):
                    incident.status = fields["status"]
                return 200, incident.to_api(sim.base_url)

        @app.put("/incidents/{incident_id}")
        async def update_one(incident_id: str, request: Request) -> JSONResponse:
            try:
                fields = (await request.json())["incident"]
                if not isinstance(fields, dict):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                return _reply(pd_error(400, errors=["incident is required"]), 400)
            status, body = apply(incident_id, fields)
            if status == 200:
                sim.writes.add("PUT", request.url.path, fields, sim.clock.now())
                return _reply({"incident": body})
            return _reply(body, status)

        @app.put("/incidents")
        async def update_many(request: Request) -> JSONResponse:
            try:
                items = (await request.json())["incidents"]
                updates = [(str(item["id"]), item) for item in items]
            except (ValueError, KeyError, TypeError):
                return _reply(pd_error(400, errors=["incidents is required"]), 400)
            results = []
            for incident_id, fields in updates:
                status, body = apply(incident_id, fields)
                if status != 200:
                    return _reply(body, status)
                sim.writes.add("PUT", f"/incidents/{incident_id}", fields, sim.clock.now())
                results.append(body)
            return _reply({"incidents": results})

        return app
