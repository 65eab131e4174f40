"""aiassisted's pure logic: the payload the agent is sent, reading its answer (the Cora
result), and the report, formatted as the original's ``FormatInvestigationReport``."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = [
    "COMPLETED",
    "CONFIG_MISSING",
    "FAILED",
    "HCP",
    "INFRA",
    "NO_INCIDENT",
    "RAW_OUTPUT_LIMIT",
    "CoraResult",
    "RemediationStep",
    "completed_line",
    "format_report",
    "parse_answer",
    "payload",
    "raw_output",
    "report_summary",
    "unwrap",
]

RAW_OUTPUT_LIMIT = 60_000
"""The most of an unreadable answer kept in the report, as the original."""

HCP = ("HCP cluster - skipping AI investigation", "Cluster is HCP - AI investigation not supported")
INFRA = (
    "Management/Service cluster - skipping AI investigation",
    "Cluster is a management/service cluster - AI investigation not supported",
)
CONFIG_MISSING = (
    "AI agent runtime configuration not set (ai_agent section missing from config)",
    "AI runtime config not set",
)
NO_INCIDENT = (
    "AI-assisted investigation needs a PagerDuty incident: a manual run cannot invoke the agent",
    "AI investigation needs a PagerDuty incident",
)
COMPLETED = "AI investigation completed - manual review required"
FAILED = "AI investigation failed - manual investigation required"


class RemediationStep(BaseModel):
    """One step the agent suggests, with the command to run if it gave one."""

    model_config = ConfigDict(frozen=True)

    action: str = ""
    command: str | None = None


class CoraResult(BaseModel):
    """The agent's structured answer (the original's ``CoraInvestigationResult``). Fields
    it leaves out take their zero value, as Go's JSON decoding does."""

    model_config = ConfigDict(frozen=True)

    investigation_id: str = ""
    cluster_id: str = ""
    alert_name: str = ""
    timestamp: datetime | None = None
    duration_seconds: float = 0.0
    summary: str = ""
    confidence: str = ""
    reasoning: str = ""
    evidence: str = ""
    remediation_steps: list[RemediationStep] = []
    needs_escalation: bool = False
    escalation_reason: str | None = None


def payload(incident_id: str, alert_name: str, cluster_id: str) -> bytes:
    """What the agent is asked, as the original sends it (``investigation_payload`` is the
    original's placeholder ``"{}"``; ``alert_name`` the incident's title)."""
    return json.dumps(
        {
            "investigation_id": incident_id,
            "investigation_payload": "{}",
            "alert_name": alert_name,
            "cluster_id": cluster_id,
        },
        separators=(",", ":"),
    ).encode()


def unwrap(text: str) -> str:
    """The answer without the outer JSON string AgentCore may wrap it in."""
    stripped = text.strip()
    try:
        inner = json.loads(stripped)
    except ValueError:
        return stripped
    return inner if isinstance(inner, str) else stripped


def parse_answer(text: str) -> CoraResult:
    """The agent's answer as a :class:`CoraResult`; ``ValueError`` saying why it is not one."""
    body = unwrap(text)
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"not a JSON object but {type(data).__name__}")
    try:
        return CoraResult.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg']}") from None


def raw_output(text: str) -> str:
    """An unreadable answer as the report keeps it: cut at :data:`RAW_OUTPUT_LIMIT`."""
    body = unwrap(text)
    if len(body) > RAW_OUTPUT_LIMIT:
        return body[:RAW_OUTPUT_LIMIT] + "\n... [truncated]"
    return body


def report_summary(incident_title: str) -> str:
    """The cluster report's summary."""
    return f"CAD Investigation: AI-Assisted Analysis for {incident_title}"


def completed_line(cluster_id: str) -> str:
    """The note's line once the report is written."""
    return (
        "AI automation completed. Check recent cluster reports for AI investigation details: "
        f"'osdctl cluster reports list --cluster-id {cluster_id}'"
    )


def format_report(result: CoraResult) -> str:
    """The report's markdown, line for line the original's."""
    parts = [
        f"**Cluster ID**: {result.cluster_id}\n",
        f"**Alert Name**: {result.alert_name}\n\n",
        "## Summary\n\n",
        f"{result.summary}\n\n",
        f"**Confidence**: {result.confidence.upper()}\n\n",
        f"**Reasoning**: {result.reasoning}\n\n",
        "## Evidence\n\n",
        f"{result.evidence}\n\n",
        "## Action Steps\n\n",
    ]
    if not result.remediation_steps:
        parts.append("No action steps available.\n\n")
    else:
        for number, step in enumerate(result.remediation_steps, start=1):
            parts.append(f"{number}. {step.action}\n")
            if step.command:
                parts.append(f"   ```bash\n   {step.command}\n   ```\n")
        parts.append("\n")
    parts.append("## Escalation Decision\n\n")
    if result.needs_escalation:
        parts.append("⚠️ ESCALATE\n")
        if result.escalation_reason:
            parts.append(f"**Reason**: {result.escalation_reason}\n")
    else:
        parts.append("✅ No escalation needed\n")
    return "".join(parts)
