"""ccam: can CAD still reach the customer's AWS account?"""

from __future__ import annotations

from cad.actions import Action, escalate, limited_support, note_from, silence
from cad.errors import is_transient
from cad.investigations.ccam.checks import (
    CCAM_LS_DETAILS,
    CCAM_LS_SUMMARY,
    credentials_verdict,
    customer_removed_permissions,
)
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import AwsClientError, FindingError, InfrastructureError
from cad.investigations.framework.resources import Resources


class Ccam(Investigation):
    """Puts clusters whose customer removed CAD's cloud credentials in limited support."""

    name = "ccam"
    description = "Cluster credentials are missing: limited support when the customer removed them"

    def run(self, resources: Resources) -> Result:
        try:
            _ = resources.aws
        except AwsClientError as error:
            return self._credentials_failed(resources, error)
        return Result()

    def _credentials_failed(self, resources: Resources, error: AwsClientError) -> Result:
        text = str(error.cause)
        if not customer_removed_permissions(text):
            if is_transient(error.cause):
                raise InfrastructureError(
                    "AWS/Backplane infrastructure failure", error.cause
                ) from error
            raise FindingError("CAD could not get AWS credentials for the cluster", text) from error
        cluster = resources.cluster
        verdict = credentials_verdict(cluster.state)
        notes = resources.notes()
        notes.warning(f"Customer removed the cloud credentials CAD needs: {text}")
        notes.automation(verdict.note)
        actions: list[Action] = [note_from(notes)]
        if verdict.limited_support:
            actions.append(limited_support(CCAM_LS_SUMMARY, CCAM_LS_DETAILS, "CCAM"))
        actions.append((silence if verdict.handover == "silence" else escalate)(verdict.reason))
        return Result(actions=actions, stop=f"cloud credentials are missing: {text}")
