"""PagerDuty webhook payloads (WebhookV3 and Event Orchestration) and cluster-id extraction."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from cad.errors import CADError

__all__ = [
    "IncidentEvent",
    "InvalidPayloadError",
    "NoClusterIdError",
    "cluster_id_from_alerts",
    "decode_payload",
    "parse_payload",
]

_BOM = "\ufeff"
_FIRING_CLUSTER_ID = re.compile(r"(?:^|\s)cluster_id = (\S+)")


class InvalidPayloadError(CADError):
    """The payload is neither a WebhookV3 event nor an Event Orchestration payload."""


class NoClusterIdError(CADError):
    """No alert of the incident names a cluster."""


class IncidentEvent(BaseModel):
    """What a payload says about the incident. Event Orchestration payloads carry only the
    id; the rest is filled by reading the incident."""

    model_config = ConfigDict(frozen=True)

    incident_id: str
    format: str  # "webhook_v3" or "event_orchestration"
    event_type: str = ""
    event_id: str = ""
    title: str = ""
    html_url: str = ""
    service_id: str = ""
    service_summary: str = ""


def decode_payload(raw: bytes | str) -> Any:
    """JSON from raw JSON text or base64 of it (as the original's pipeline passes it). A
    UTF-8 byte-order mark before either is ignored, as the receiver's JSON parser does."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = text.strip().removeprefix(_BOM).strip()
    if not text:
        raise InvalidPayloadError("the payload is empty")
    if not text.startswith(("{", "[")):
        try:
            text = base64.b64decode(text, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:  # binascii.Error, non-ASCII text
            raise InvalidPayloadError("the payload is neither JSON nor base64 of JSON") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidPayloadError(
            f"the payload is not valid JSON: {exc.msg} at line {exc.lineno}"
        ) from exc


def _text(data: Any, *path: str) -> str:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, str) else ""


def parse_payload(data: Any) -> IncidentEvent:
    """The incident a payload is about. WebhookV3 needs event type, incident id, title,
    html_url and service id and summary; otherwise ``__pd_metadata.incident.id``."""
    if not isinstance(data, dict):
        raise InvalidPayloadError("the payload is not a JSON object")
    event = data.get("event")
    if isinstance(event, dict):
        fields = {
            "event_type": _text(event, "event_type"),
            "incident_id": _text(event, "data", "id"),
            "title": _text(event, "data", "title"),
            "html_url": _text(event, "data", "html_url"),
            "service_id": _text(event, "data", "service", "id"),
            "service_summary": _text(event, "data", "service", "summary"),
        }
        if all(fields.values()):
            return IncidentEvent(format="webhook_v3", event_id=_text(event, "id"), **fields)
    incident_id = _text(data, "__pd_metadata", "incident", "id")
    if incident_id:
        return IncidentEvent(incident_id=incident_id, format="event_orchestration")
    if isinstance(event, dict):
        missing = [
            name
            for name, path in (
                ("event.event_type", ("event_type",)),
                ("event.data.id", ("data", "id")),
                ("event.data.title", ("data", "title")),
                ("event.data.html_url", ("data", "html_url")),
                ("event.data.service.id", ("data", "service", "id")),
                ("event.data.service.summary", ("data", "service", "summary")),
            )
            if not _text(event, *path)
        ]
        raise InvalidPayloadError(f"the WebhookV3 payload lacks {', '.join(missing)}")
    raise InvalidPayloadError(
        "the payload has neither a WebhookV3 'event' nor '__pd_metadata.incident.id'"
    )


def cluster_id_from_details(details: Any) -> str:
    """The cluster id in one alert's ``body.details``, tried the original's three ways."""
    if not isinstance(details, dict):
        raise NoClusterIdError("an alert's body.details is missing or not an object")
    direct = details.get("cluster_id")
    if isinstance(direct, str) and direct.strip():
        return direct.strip()
    notes = details.get("notes")
    if isinstance(notes, str) and notes.strip():
        try:
            parsed = yaml.safe_load(notes)
        except yaml.YAMLError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("cluster_id"), str):
            return str(parsed["cluster_id"]).strip()
    firing = details.get("firing")
    if isinstance(firing, str):
        match = _FIRING_CLUSTER_ID.search(firing)
        if match:
            return match.group(1)
    return ""


def cluster_id_from_alerts(alerts: list[Any]) -> str:
    """The first cluster id found in the incident's alerts (their ``body.details``)."""
    if not alerts:
        raise NoClusterIdError("the incident has no alerts")
    for alert in alerts:
        body = alert.get("body") if isinstance(alert, dict) else None
        details = body.get("details") if isinstance(body, dict) else None
        found = cluster_id_from_details(details)
        if found:
            return found
    raise NoClusterIdError(
        "no alert names a cluster (tried details.cluster_id, details.notes and details.firing)"
    )
