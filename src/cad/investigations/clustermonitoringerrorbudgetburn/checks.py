"""The monitoring ClusterOperator's ``Available`` message against the three user workload
monitoring (UWM) misconfigurations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["SL_SUMMARY", "UwmProblem", "available_message", "uwm_problem"]

SL_SUMMARY = "Action required: review user-workload-monitoring configuration"
_DOCS = "For more information, please refer to the product documentation: {link}."


@dataclass(frozen=True)
class UwmProblem:
    """A recognised misconfiguration: the note line, the service log text, the silence reason."""

    symptom: str
    warning: str
    description: str
    reason: str

    def service_log_description(self, doc_link: str) -> str:
        """The service log's description with the product's monitoring documentation."""
        return f"{self.description} {_DOCS.format(link=doc_link)}"


PROBLEMS = (
    UwmProblem(
        symptom='the User Workload Configuration from "config.yaml" key in the '
        '"openshift-user-workload-monitoring/user-workload-monitoring-config" ConfigMap could '
        "not be parsed",
        warning="Customer misconfigured the UWM configmap",
        description="Your cluster's user workload monitoring is misconfigured: please review the "
        "user-workload-monitoring-config ConfigMap in the openshift-user-workload-monitoring "
        "namespace.",
        reason="Customer misconfigured UWM configmap",
    ),
    UwmProblem(
        symptom="UpdatingUserWorkloadAlertmanager: waiting for Alertmanager User Workload object "
        "changes failed: waiting for Alertmanager openshift-user-workload-monitoring/user-workload",
        warning="Customer misconfigured the UWM (UpdatingUserWorkloadAlertmanager)",
        description="Your cluster's user workload monitoring is misconfigured: please review the "
        "Alert Manager configuration in the openshift-user-workload-monitoring namespace.",
        reason="Customer misconfigured UWM AlertManager",
    ),
    UwmProblem(
        symptom='UpdatingUserWorkloadPrometheus: Prometheus "openshift-user-workload-monitoring/'
        'user-workload": NoPodReady',
        warning="Customer misconfigured the UWM (UpdatingUserWorkloadPrometheus)",
        description="Your cluster's user workload monitoring is misconfigured: please review the "
        "cluster operator status and correct the configuration in the "
        "openshift-user-workload-monitoring namespace.",
        reason="Customer misconfigured UWM Prometheus",
    ),
)


def available_message(cluster_operator: dict[str, Any]) -> str:
    """The message of the first ``Available`` condition ("" when there is none)."""
    status = cluster_operator.get("status") or {}
    for condition in status.get("conditions") or []:
        if isinstance(condition, dict) and condition.get("type") == "Available":
            return str(condition.get("message") or "")
    return ""


def uwm_problem(message: str) -> UwmProblem | None:
    """The first misconfiguration whose symptom the message contains."""
    return next((p for p in PROBLEMS if p.symptom in message), None)
