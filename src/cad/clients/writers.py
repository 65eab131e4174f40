"""Write protocols: what the executor (and only the executor) may call.

Investigations are handed read-only protocols; these write halves reach nothing but the
executor. Real clients implement them over HTTP; tests use in-memory fakes.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cad.clients.models import (
    IncidentState,
    Kind,
    LimitedSupportReasonEntry,
    ServiceLogEntry,
)

if TYPE_CHECKING:
    from cad.clients.mustgather_plan import GatherPlan

__all__ = [
    "BackplaneWriter",
    "IncidentState",
    "KubeWriter",
    "LimitedSupportReasonEntry",
    "OcmWriter",
    "PagerDutyWriter",
    "ServiceLogEntry",
    "SftpWriter",
]


class OcmWriter(Protocol):
    """OCM calls the executor makes: service logs and limited support, read and post."""

    def list_service_logs(
        self, cluster_external_id: str, *, search: str | None = None
    ) -> list[ServiceLogEntry]:
        """Every service log of the cluster (all pages), optionally filtered by ``search``."""
        ...

    def post_service_log(
        self,
        cluster_id: str,
        *,
        severity: str,
        service_name: str,
        summary: str,
        description: str,
        internal_only: bool,
    ) -> None:
        """Send a service log to the cluster's owners."""
        ...

    def list_limited_support_reasons(self, cluster_id: str) -> list[LimitedSupportReasonEntry]:
        """The limited-support reasons active on the cluster."""
        ...

    def post_limited_support_reason(self, cluster_id: str, *, summary: str, details: str) -> None:
        """Put the cluster in limited support with this reason."""
        ...


class PagerDutyWriter(Protocol):
    """PagerDuty calls the executor makes on the incident it works for."""

    @property
    def silent_policy_id(self) -> str:
        """The escalation policy an incident is moved to when CAD silences it."""
        ...

    def get_incident(self, incident_id: str) -> IncidentState:
        """The incident's current status, title and escalation policy."""
        ...

    def add_note(self, incident_id: str, content: str) -> None:
        """Add a note to the incident."""
        ...

    def list_notes(self, incident_id: str) -> list[str]:
        """The contents of the incident's notes, oldest first."""
        ...

    def silence(self, incident_id: str) -> None:
        """Move the incident to the silent escalation policy."""
        ...

    def reassign(self, incident_id: str, policy_id: str) -> None:
        """Move the incident to another escalation policy (at its first level)."""
        ...

    def service_escalation_policy(self, incident_id: str) -> str:
        """The escalation policy of the incident's service: where PagerDuty routes it."""
        ...

    def escalate(self, incident_id: str) -> None:
        """Escalate the incident to the configured escalation level."""
        ...

    def update_title(self, incident_id: str, title: str) -> None:
        """Replace the incident's title."""
        ...


class BackplaneWriter(Protocol):
    """Backplane calls the executor makes."""

    def create_report(self, cluster_id: str, *, summary: str, data: str) -> str:
        """Store a cluster report; returns its id."""
        ...


class SftpWriter(Protocol):
    """Uploads to Red Hat's SFTP server (anonymous credentials, kept for the process)."""

    def find(self, name: str, size: int) -> str | None:
        """The remote path of ``name`` if it is uploaded whole (``size`` bytes), else ``None``."""
        ...

    @property
    def server(self) -> str:
        """``host:port`` of the SFTP server (no credential is asked for)."""
        ...

    def remote_path(self, name: str) -> str:
        """Where a file named ``name`` is (or would be) uploaded."""
        ...

    def upload(self, local: Path, *, timeout_s: float | None = None) -> str:
        """Upload ``local``, replacing a partial copy; return its remote path."""


class KubeWriter(Protocol):
    """Kubernetes calls the executor makes, on a cluster or (``management``) on its HCP
    management cluster."""

    def get(
        self,
        cluster_id: str,
        kind: Kind,
        name: str,
        *,
        namespace: str | None = None,
        management: bool = False,
    ) -> dict[str, Any] | None:
        """The object, or None when it does not exist."""
        ...

    def list(
        self,
        cluster_id: str,
        kind: Kind,
        *,
        namespace: str | None = None,
        label_selector: str = "",
        management: bool = False,
    ) -> list[dict[str, Any]]:
        """The objects of ``kind`` (in ``namespace``) matching ``label_selector``."""
        ...

    def logs(
        self,
        cluster_id: str,
        namespace: str,
        pod: str,
        *,
        container: str = "",
        limit_bytes: int = 1024 * 1024,
        management: bool = False,
    ) -> str:
        """The log of a pod's container (its first ``limit_bytes``), as text."""
        ...

    def create(
        self, cluster_id: str, kind: Kind, obj: dict[str, Any], *, management: bool = False
    ) -> dict[str, Any]:
        """Create the object; returns it as stored."""
        ...

    def merge_patch(
        self,
        cluster_id: str,
        kind: Kind,
        name: str,
        patch: dict[str, Any],
        *,
        namespace: str | None = None,
        management: bool = False,
    ) -> dict[str, Any]:
        """Apply a JSON merge patch; returns the object patched."""
        ...

    def delete(
        self,
        cluster_id: str,
        kind: Kind,
        name: str,
        *,
        namespace: str | None = None,
        management: bool = False,
        propagation: str = "",
    ) -> bool:
        """Delete the object; False when it was already gone. ``propagation``
        (``Background``...): what becomes of the objects it owns (a Job's pods)."""
        ...

    def must_gather(
        self,
        cluster_id: str,
        plan: GatherPlan,
        dest: Path,
        *,
        management: bool = False,
        wait_for_others: bool = False,
    ) -> builtins.list[str]:  # ``list`` is also a method here
        """Run a must-gather and write its output, gzipped, to ``dest``; return what could
        not be cleaned up."""
        ...
