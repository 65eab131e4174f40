"""What an execution is about (context) and how it runs (options)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from cad.actions.notes import NoteWriter
from cad.clients.writers import BackplaneWriter, KubeWriter, OcmWriter, PagerDutyWriter, SftpWriter
from cad.domain import ClusterRef, IncidentRef, InfraStatus, Stage
from cad.retry import RetryPolicy

__all__ = ["ExecutionContext", "ExecutionOptions", "WriteClients"]


@dataclass(frozen=True)
class WriteClients:
    """The write halves the executor may use; any may be absent (manual runs have no PD)."""

    ocm: OcmWriter | None = None
    pagerduty: PagerDutyWriter | None = None
    backplane: BackplaneWriter | None = None
    sftp: SftpWriter | None = None
    kube: KubeWriter | None = None


@dataclass(frozen=True)
class ExecutionContext:
    """The cluster, incident, alert and investigation a batch of actions belongs to.
    ``alert`` is the name of the alert config that started the run (the metrics'
    ``alert_type``); empty when there is none (a manual run, an unhandled alert)."""

    investigation: str
    alert: str = ""
    cluster: ClusterRef | None = None
    incident: IncidentRef | None = None
    clients: WriteClients = field(default_factory=WriteClients)
    notes: NoteWriter | None = None
    infra: InfraStatus = InfraStatus.NO

    def ledger_scope(self) -> str:
        """Where "each effect once" applies: the incident, else cluster and investigation."""
        if self.incident is not None:
            return f"incident:{self.incident.id}"
        cluster = self.cluster.id if self.cluster is not None else "-"
        return f"manual:{cluster}:{self.investigation}"


@dataclass(frozen=True)
class ExecutionOptions:
    """Modes and limits. Modes compose: a dry-run of a manual informing run is valid."""

    dry_run: bool = False
    manual: bool = False
    stage: Stage = Stage.ACTIONING
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    service_log_window: timedelta = timedelta(days=7)
    # A re-execution after an interrupted attempt: effects without a probe of their own
    # (notes) are looked for before they are applied.
    reconcile: bool = False
    # The run may be tried again (the job queue has attempts left): when the ledger meets a
    # transient store outage, the PagerDuty phase is held back rather than escalated, and the
    # next attempt finishes the run (its probes find what landed). The last attempt escalates.
    hold_on_store_outage: bool = False
    # An operator's re-run with --repeat-effects: the ledger is not asked whether an effect
    # was applied before (the actions' own probes of the live systems still run).
    repeat_effects: bool = False

    def modes(self) -> list[str]:
        """The active modes by name, for reports and logs."""
        active = ["dry_run"] if self.dry_run else ["live"]
        if self.manual:
            active.append("manual")
        if self.stage is Stage.INFORMING:
            active.append("informing")
        return active
