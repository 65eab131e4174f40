"""ocmagentresponsefailure: egress, the owner's ban, then the pull secret against OCM."""

from __future__ import annotations

from collections.abc import Callable

from cad.actions import Action, NoteWriter, escalate, note, note_and_report_from
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import (
    KubeClientError,
    OwnerLookupError,
    RestConfigError,
)
from cad.investigations.framework.findings import cluster_unreachable
from cad.investigations.framework.ownerban import (
    banned_owner_service_log,
    owner_ban,
    owner_ban_lookup_failed,
)
from cad.investigations.framework.pullsecret_check import check_pull_secret
from cad.investigations.framework.resources import Resources
from cad.investigations.ocmagentresponsefailure import checks

Step = Callable[[Resources, NoteWriter], Result | None]


class OcmAgentResponseFailure(Investigation):
    """Checks egress, the owner's ban (the banned-owner service log only when experimental)
    and the pull secret, each of which may stop it. Always escalates."""

    name = "ocmagentresponsefailure"
    aliases = ()
    description = "OCM Agent response failure: blocked egress, banned owner or pull secret"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes()
        if resources.cluster.hcp:
            return Result(actions=[note(checks.HCP_DETECTED), escalate(checks.HCP_DETECTED)])
        steps: tuple[Step, ...] = (self._egress, self._owner_ban, self._pull_secret)
        for step in steps:
            stopped = step(resources, notes)
            if stopped is not None:
                return stopped
        return self._escalate(resources, notes, checks.COMPLETE_REASON)

    def _egress(self, resources: Resources, notes: NoteWriter) -> Result | None:
        finding = checks.egress_finding(resources.verify_egress())
        if finding.passed:
            notes.success(finding.line)
        else:
            notes.warning(finding.line)
        return (
            self._escalate(resources, notes, checks.EGRESS_FAILED_REASON) if finding.stop else None
        )

    def _owner_ban(self, resources: Resources, notes: NoteWriter) -> Result | None:
        try:
            owner = resources.owner()
        except OwnerLookupError as error:
            notes.warning(owner_ban_lookup_failed(error))
            return self._escalate(resources, notes, checks.LOOKUP_FAILED_REASON)
        verdict = checks.ban_verdict(owner_ban(owner), experimental=resources.experimental)
        if verdict is None:
            notes.success(checks.NOT_BANNED)
            return None
        for warning in verdict.warnings:
            notes.warning(warning)
        sl = [banned_owner_service_log()] if verdict.service_log else []
        return self._escalate(resources, notes, verdict.reason, *sl)

    def _pull_secret(self, resources: Resources, notes: NoteWriter) -> Result | None:
        owner = resources.owner()  # read (and cached) by the ban check
        try:
            kube = resources.kube
        except (RestConfigError, KubeClientError) as error:
            return cluster_unreachable(notes, error)
        check_pull_secret(kube, resources.ocm, owner, notes)
        return None

    def _escalate(
        self, resources: Resources, notes: NoteWriter, reason: str, *actions: Action
    ) -> Result:
        report = note_and_report_from(notes, resources.cluster.id, self.name, now=resources.now())
        return Result(actions=[*report, *actions, escalate(reason)])
