"""aiassisted: the AI agent's analysis of an alert, as a cluster report, a note and an
escalation (the original's ``aiassisted.Investigation``)."""

from __future__ import annotations

import structlog

from cad.actions import Action, BackplaneReport, NoteWriter, escalate, note_from
from cad.domain import InfraStatus
from cad.errors import CADError
from cad.investigations.aiassisted import checks
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.resources import Resources

log = structlog.get_logger("cad.investigations.aiassisted")


class AiAssisted(Investigation):
    """Skips HCP and infrastructure clusters (note, escalate). Otherwise invokes the agent
    of the config's ``ai_agent`` section with the incident and the cluster; its answer,
    formatted as the original's report, becomes a cluster report (the cluster's external
    id), with a note pointing to it and an escalation: a human always reviews. An agent
    that fails, times out or answers something unreadable gives a warning line, a report
    (with the raw answer, if any), the note and the escalation. Never silences."""

    name = "aiassisted"
    aliases = ("ai",)
    description = "Ask the AI agent (AWS Bedrock AgentCore) about an alert; report and escalate"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes()
        cluster = resources.cluster
        if cluster.hcp:
            return _skip(notes, checks.HCP)
        if resources.infra_status is not InfraStatus.NO:  # unknown counts as infrastructure
            return _skip(notes, checks.INFRA)
        agent = resources.agent
        incident = resources.incident
        if agent is None:
            return self._failed(resources, notes, *checks.CONFIG_MISSING)
        if not incident.incident_id:
            return _skip(notes, checks.NO_INCIDENT)
        config = agent.config
        log.info(
            "invoking the AI agent",
            runtime=config.runtime_arn,
            version=config.version,
            ops_sop_version=config.ops_sop_version,
            rosa_plugins_version=config.rosa_plugins_version,
        )
        try:
            answer = agent.invoke(
                incident_id=incident.incident_id,
                payload=checks.payload(incident.incident_id, incident.title, cluster.id),
            )
        except CADError as error:
            log.warning("the AI agent failed", error=str(error))
            return self._failed(resources, notes, f"Failed to invoke AgentCore runtime: {error}")
        log.info("the AI agent answered", session=answer.session_id, chars=len(answer.text))
        try:
            result = checks.parse_answer(answer.text)
        except ValueError as error:
            return self._failed(
                resources,
                notes,
                f"Failed to parse Cora JSON response: {error}",
                raw=checks.raw_output(answer.text),
            )
        notes.automation(checks.completed_line(cluster.id))
        return Result(
            actions=[
                BackplaneReport(
                    cluster_id=cluster.external_id,
                    summary=checks.report_summary(incident.title),
                    data=checks.format_report(result),
                ),  # no time before the summary: the original's AI report has none
                note_from(notes),
                escalate(checks.COMPLETED),
            ]
        )

    def _failed(
        self,
        resources: Resources,
        notes: NoteWriter,
        warning: str,
        reason: str = checks.FAILED,
        *,
        raw: str = "",
    ) -> Result:
        """The warning in a report (with the raw answer) and a note; escalated."""
        notes.warning(warning)
        data = notes.render() + (f"\nRaw output:\n{raw}\n" if raw else "")
        actions: list[Action] = [
            BackplaneReport(
                cluster_id=resources.cluster.id,
                summary=self.name,
                data=data,
                created_at=resources.now(),
            ),
            note_from(notes),
            escalate(reason),
        ]
        return Result(actions=actions)


def _skip(notes: NoteWriter, texts: tuple[str, str]) -> Result:
    warning, reason = texts
    notes.warning(warning)
    return Result(actions=[note_from(notes), escalate(reason)])
