"""Organization routing, before the chain: an incident whose cluster belongs to a mapped
organization (``CAD_ORG_POLICY_MAPPING``) moves to that organization's escalation policy,
with a note saying so, or a note asking for manual routing when the move fails.

Nothing happens when the mapping is empty, the cluster's organization cannot be looked up
(the run goes on: routing is a courtesy, as in the original), the organization id is empty,
or the organization is not mapped.
"""

from __future__ import annotations

import structlog

from cad.actions import MoveToOrgPolicy, note
from cad.actions.pagerduty import ORG_POLICY
from cad.clients.ocm.models import Cluster
from cad.config.org_policy import OrgPolicy
from cad.controller.run import Run
from cad.errors import CADError
from cad.executor import Outcome

__all__ = [
    "REASSIGNED_NOTE",
    "REASSIGN_FAILED_NOTE",
    "organization_policy",
    "route_to_organization",
]

REASSIGNED_NOTE = "Reassigned to organization {organization_id} escalation policy."
REASSIGN_FAILED_NOTE = (
    "This cluster belongs to organization {organization_id} and should be escalated to policy "
    "{policy}, but CAD failed to reassign: {error}. Please manually route to the appropriate "
    "team."
)

log = structlog.get_logger("cad.controller")


def organization_policy(run: Run, cluster: Cluster) -> OrgPolicy | None:
    """The policy of the cluster's organization, or ``None`` (no mapping, no subscription,
    the lookup failed, an empty organization id, an unmapped organization)."""
    mapping = run.deps.runtime.org_policies
    if not mapping:
        return None
    if not cluster.subscription_id:
        log.info("the cluster has no subscription: no organization routing")
        return None
    try:
        organization_id = run.subscription().organization_id
    except CADError as error:
        log.warning("CAD could not look up the cluster's organization", error=str(error))
        return None
    found = mapping.policy_for(str(organization_id or ""))
    if found is None:
        log.info("the cluster's organization is not routed", organization=organization_id)
    return found


def route_to_organization(run: Run, cluster: Cluster) -> None:
    """Move the incident to its organization's policy, when one applies, and say so."""
    found = organization_policy(run, cluster)
    if found is None:
        return
    run.execute(
        [
            MoveToOrgPolicy(
                organization_id=found.organization_id,
                organization=found.organization,
                policy=found.policy,
            )
        ]
    )
    record = run.outcome.extra_actions[-1]
    moved = record.outcome in (Outcome.SUCCEEDED, Outcome.DRY_RUN) or ORG_POLICY in record.facts
    if moved:
        run.execute([note(REASSIGNED_NOTE.format(organization_id=found.organization_id))])
    elif record.outcome is Outcome.FAILED:
        text = REASSIGN_FAILED_NOTE.format(
            organization_id=found.organization_id, policy=found.policy, error=record.error
        )
        run.execute([note(text)])
