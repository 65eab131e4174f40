"""Actions on backplane: cluster reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from cad.actions.base import Action, ActionTarget, Lane

__all__ = ["BackplaneReport"]


class BackplaneReport(Action):
    """Store a cluster report in backplane; SREs read it with ``osdctl cluster reports``.

    The stored summary is ``"<created_at> : <summary>"`` as the original's; the dedupe key
    leaves the time out, so a redelivered incident does not store the same report twice.
    """

    type: Literal["backplane_report"] = "backplane_report"
    cluster_id: str
    summary: str
    data: str
    created_at: datetime | None = None

    lane: ClassVar[Lane] = Lane.BACKPLANE
    label: ClassVar[str] = "Report"
    short_label: ClassVar[str] = "report"

    def problems(self) -> list[str]:
        return [
            f"report {name} is empty"
            for name, value in (
                ("cluster id", self.cluster_id),
                ("summary", self.summary),
                ("data", self.data),
            )
            if not value.strip()
        ]

    def describe(self) -> str:
        return f"cluster report '{self.summary}' for {self.cluster_id}"

    def identity(self) -> dict[str, Any]:
        return {"cluster_id": self.cluster_id, "summary": self.summary, "data": self.data}

    def stored_summary(self) -> str:
        """The summary as stored: prefixed with the creation time when there is one."""
        if self.created_at is None:
            return self.summary
        return f"{self.created_at.strftime('%Y-%m-%dT%H:%M:%SZ')} : {self.summary}"

    def apply(self, target: ActionTarget) -> str | None:
        report_id = target.require_backplane().create_report(
            self.cluster_id, summary=self.stored_summary(), data=self.data
        )
        return (
            "CAD created a cluster report, access it with the following command:\n"
            f"osdctl cluster reports get --cluster-id {self.cluster_id} --report-id {report_id}"
        )
