"""The network verifier's verdict as the note lines of the investigations that only report it
(insightsoperatordown, cannotretrieveupdatessre; cpd in the original): nothing is sent to the
customer, a failure prepares the ``osdctl servicelog post`` command for SRE."""

from __future__ import annotations

from cad.actions.notes import NoteWriter
from cad.egress import EgressResult
from cad.investigations.framework.errors import ClusterDeploymentNotFoundError, is_retryable
from cad.investigations.framework.resources import Resources

__all__ = [
    "EGRESS_SERVICE_LOG_TEMPLATE",
    "HCP_NOT_VERIFIED",
    "note_egress_verdict",
    "prepared_egress_service_log",
    "verify_egress_into",
]

HCP_NOT_VERIFIED = (
    "Network verifier not run: the cluster is HCP and has no ClusterDeployment "
    "(egress is verified for classic clusters only)"
)

EGRESS_SERVICE_LOG_TEMPLATE = (
    "https://raw.githubusercontent.com/openshift/managed-notifications/master/osd/"
    "required_network_egresses_are_blocked.json"
)

_SHELL_ACTIVE = str.maketrans("", "", '"$`\\')


def prepared_egress_service_log(cluster_id: str, unreachable: list[str]) -> str:
    """The ``osdctl`` command SRE runs to send the blocked-egress service log. The targets
    are comma-joined (the template's ``URLS`` parameter) and quoted, as the original's cpd
    does: the original's insights and update investigations left them unquoted. Characters
    the shell still reads inside double quotes are dropped (targets are host:port)."""
    urls = ",".join(target.translate(_SHELL_ACTIVE) for target in unreachable)
    return (
        f"osdctl servicelog post --cluster-id {cluster_id} -t {EGRESS_SERVICE_LOG_TEMPLATE} "
        f'-p URLS="{urls}"'
    )


def note_egress_verdict(notes: NoteWriter, cluster_id: str, verdict: EgressResult) -> None:
    """Append the verdict's line: passed, unreachable targets with the prepared command,
    failed to run, or not run (no verifier installed, dry run)."""
    if verdict.outcome == "success":
        notes.success("Network verifier passed")
    elif verdict.outcome == "failure":
        command = prepared_egress_service_log(cluster_id, verdict.unreachable)
        notes.warning(
            "NetworkVerifier found unreachable targets. \n \n Verify and send service log if "
            f"necessary: \n {command}"
        )
    elif verdict.outcome == "error":
        notes.warning(f"NetworkVerifier failed to run:\n\t {verdict.message}")
    else:
        notes.warning(f"Egress was not verified: {verdict.message}")


def verify_egress_into(resources: Resources, notes: NoteWriter) -> None:
    """Run the network verifier and note its verdict. An HCP cluster is noted as not
    verified (the original failed the whole investigation on it: it has no ClusterDeployment);
    a ClusterDeployment that cannot be read is noted too, unless retrying may help."""
    cluster = resources.cluster
    if cluster.hcp:
        notes.warning(HCP_NOT_VERIFIED)
        return
    try:
        verdict = resources.verify_egress()
    except ClusterDeploymentNotFoundError as exc:
        if is_retryable(exc):
            raise
        notes.warning(f"NetworkVerifier failed to run:\n\t {exc}")
        return
    note_egress_verdict(notes, cluster.id, verdict)
