"""precheck: is this a cluster CAD may investigate at all?"""

from __future__ import annotations

import structlog

from cad.actions import escalate, note, silence
from cad.errors import NotFoundError
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import ClusterLookupError
from cad.investigations.framework.resources import Resources
from cad.investigations.precheck.checks import (
    CLUSTER_NOT_FOUND,
    Verdict,
    access_verdict,
    state_verdict,
)
from cad.retry import retry_transient

log = structlog.get_logger("cad.investigations.precheck")


def _act(verdict: Verdict) -> Result:
    handover = silence if verdict.handover == "silence" else escalate
    return Result(actions=[note(verdict.message), handover(verdict.message)], stop=verdict.stop)


class Precheck(Investigation):
    """Stops the chain for unknown, uninstalling, non-AWS and access-protected clusters."""

    name = "precheck"
    description = "Stop the chain for clusters CAD must not or cannot investigate"

    def run(self, resources: Resources) -> Result:
        try:
            cluster = resources.cluster
        except ClusterLookupError as error:
            if not isinstance(error.cause, NotFoundError):
                raise  # a failed lookup is not a missing cluster: retried, then escalated
            return _act(Verdict(CLUSTER_NOT_FOUND, "escalate", "cluster not found"))
        verdict = state_verdict(cluster.state, cluster.aws)
        if verdict is not None:
            return _act(verdict)
        try:
            protected: bool | None = retry_transient(
                lambda: resources.ocm.is_access_protected(cluster.id)
            )
        except Exception as exc:  # unknown status is itself the finding (fail closed)
            log.warning("access protection lookup failed", cluster=cluster.id, error=str(exc))
            protected = None
        verdict = access_verdict(protected)
        return _act(verdict) if verdict is not None else Result()
