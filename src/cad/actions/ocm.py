"""Actions on OCM: service logs and limited support. Both are customer-facing."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from cad.actions.base import Action, ActionTarget, EffectMetric, Lane
from cad.clients import ocm_search

__all__ = ["SEVERITIES", "LimitedSupport", "ServiceLog"]

SEVERITIES = ("Info", "Warning", "Major", "Critical")


class ServiceLog(Action):
    """Send the customer a service log.

    Skipped when the cluster already has a service log with the same summary *and*
    description sent within the executor's window (7 days by default).
    """

    type: Literal["service_log"] = "service_log"
    severity: str
    summary: str
    description: str = ""
    service_name: str = "SREManualAction"
    internal_only: bool = False
    reason: str = ""

    lane: ClassVar[Lane] = Lane.OCM
    label: ClassVar[str] = "ServiceLog"
    short_label: ClassVar[str] = "SL"
    budget: ClassVar[str | None] = "service_logs_per_hour"
    effect_metric: ClassVar[EffectMetric | None] = EffectMetric(
        "cad_investigate_servicelog_sent_total", "Service logs sent to customers"
    )
    restricted: ClassVar[bool] = True
    customer_facing: ClassVar[bool] = True

    def problems(self) -> list[str]:
        found = []
        if not self.summary.strip():
            found.append("service log summary is empty")
        if self.severity not in SEVERITIES:
            found.append(
                f"service log severity {self.severity!r} is not one of {', '.join(SEVERITIES)}"
            )
        return found

    def describe(self) -> str:
        return f"service log [{self.severity}] '{self.summary}'"

    def identity(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"reason"})

    def preview(self, target: ActionTarget) -> str:
        return f"{self.describe()}\n{self.description}".rstrip()

    def customer_message(self) -> tuple[str, str, str] | None:
        return ("service log", self.summary, self.description)

    def probe(self, target: ActionTarget) -> str | None:
        cluster = target.require_cluster()
        existing = target.require_ocm().list_service_logs(
            cluster.external_id or cluster.id,
            search=ocm_search.equals("summary", self.summary),
        )
        since = target.now() - target.service_log_window
        for entry in existing:
            if entry.summary != self.summary or entry.description != self.description:
                continue
            if entry.timestamp is None or entry.timestamp >= since:
                when = entry.timestamp.isoformat() if entry.timestamp else "recently"
                return f"an identical service log was already sent ({when})"
        return None

    def apply(self, target: ActionTarget) -> str | None:
        target.require_ocm().post_service_log(
            target.require_cluster().id,
            severity=self.severity,
            service_name=self.service_name,
            summary=self.summary,
            description=self.description,
            internal_only=self.internal_only,
        )
        return f"Sent SL: '{self.summary}'"


class LimitedSupport(Action):
    """Put the cluster in limited support.

    Skipped when an identical reason (same summary and details) is already active.
    ``context`` labels the metric (``CCAM``, ``StoppedInstances``, ``EgressBlocked``).
    """

    type: Literal["limited_support"] = "limited_support"
    summary: str
    details: str
    context: str = ""

    lane: ClassVar[Lane] = Lane.OCM
    label: ClassVar[str] = "Limited Support"
    short_label: ClassVar[str] = "LS"
    budget: ClassVar[str | None] = "limited_support_per_hour"
    effect_metric: ClassVar[EffectMetric | None] = EffectMetric(
        "cad_investigate_limitedsupport_set_total",
        "Limited-support reasons set on clusters",
        ("ls_summary",),
    )
    restricted: ClassVar[bool] = True
    customer_facing: ClassVar[bool] = True

    def metric_labels(self) -> dict[str, str]:
        return {"ls_summary": self.context}

    def problems(self) -> list[str]:
        found = []
        if not self.summary.strip():
            found.append("limited support summary is empty")
        if not self.details.strip():
            found.append("limited support details are empty")
        return found

    def describe(self) -> str:
        return f"limited support '{self.summary}'"

    def identity(self) -> dict[str, Any]:
        return {"summary": self.summary, "details": self.details}

    def preview(self, target: ActionTarget) -> str:
        return f"{self.describe()}\n{self.details}"

    def customer_message(self) -> tuple[str, str, str] | None:
        return ("limited support reason", self.summary, self.details)

    def probe(self, target: ActionTarget) -> str | None:
        cluster = target.require_cluster()
        for reason in target.require_ocm().list_limited_support_reasons(cluster.id):
            if reason.summary == self.summary and reason.details == self.details:
                return f"an identical limited-support reason is already active ({reason.id})"
        return None

    def apply(self, target: ActionTarget) -> str | None:
        target.require_ocm().post_limited_support_reason(
            target.require_cluster().id, summary=self.summary, details=self.details
        )
        return f"Sent LS: '{self.summary}'"
