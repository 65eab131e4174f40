"""Firing alerts: Alertmanager's ``/api/v2/alerts?active=true`` answer read, and summarised
by severity. Pure functions."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cad.investigations.framework.errors import InvestigationError

__all__ = ["AlertsParseError", "FiringAlert", "firing_alerts", "parse_alerts"]

Line = tuple[str, str]
_ORDER = ("critical", "warning", "info", "none")


class AlertsParseError(InvestigationError):
    """Alertmanager's answer is not a JSON list of alerts."""


@dataclass(frozen=True)
class FiringAlert:
    """One active alert."""

    name: str
    severity: str
    state: str
    summary: str


def parse_alerts(text: str) -> list[FiringAlert]:
    """The active or firing alerts of an Alertmanager v2 answer."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise AlertsParseError(f"failed to decode alertmanager response: {exc}") from exc
    if not isinstance(raw, list):
        raise AlertsParseError("failed to decode alertmanager response: not a list")
    alerts = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        state = str((item.get("status") or {}).get("state", ""))
        if state not in ("active", "firing"):
            continue
        labels, annotations = item.get("labels") or {}, item.get("annotations") or {}
        alerts.append(
            FiringAlert(
                name=str(labels.get("alertname", "")),
                severity=str(labels.get("severity", "")),
                state=state,
                summary=str(annotations.get("summary", "")),
            )
        )
    return alerts


def firing_alerts(alerts: list[FiringAlert]) -> list[Line]:
    """None firing, or one warning listing them: critical, warning, info, none, then the
    other severities (alphabetically)."""
    if not alerts:
        return [("success", "Firing Alerts: none")]
    others = sorted({a.severity for a in alerts} - set(_ORDER))
    lines = [f"{len(alerts)} firing alert(s):"]
    for severity in (*_ORDER, *others):
        for alert in alerts:
            if alert.severity == severity:
                summary = f" - {alert.summary}" if alert.summary else ""
                lines.append(f"  [{severity}] {alert.name}{summary}")
    return [("warning", "Firing Alerts: " + "\n".join(lines))]
