"""upgradeconfigsyncfailureover4hr: the owner's ban, then the pull secret against OCM."""

from __future__ import annotations

from cad.actions import Action, NoteWriter, escalate, note_and_report_from
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
from cad.investigations.upgradeconfigsyncfailureover4hr import checks


class UpgradeConfigSyncFailureOver4Hr(Investigation):
    """A banned owner gets the new-owner service log; pull-secret mismatches are noted.
    Always escalates."""

    name = "upgradeconfigsyncfailureover4hr"
    aliases = ("upgrade-config",)
    description = "Upgrade config sync failure: banned owner or mismatched pull secret"

    def run(self, resources: Resources) -> Result:
        notes = resources.notes(checks.NOTES_NAME)
        try:
            owner = resources.owner()
        except OwnerLookupError as error:
            notes.warning(owner_ban_lookup_failed(error))
            return self._escalate(resources, notes, checks.LOOKUP_FAILED_REASON)
        verdict = checks.ban_verdict(owner_ban(owner))
        if verdict is not None:
            for warning in verdict.warnings:
                notes.warning(warning)
            sl = [banned_owner_service_log()] if verdict.service_log else []
            return self._escalate(resources, notes, verdict.reason, *sl)
        notes.success(checks.NOT_BANNED)
        try:
            kube = resources.kube
        except (RestConfigError, KubeClientError) as error:
            return cluster_unreachable(notes, error)
        check_pull_secret(kube, resources.ocm, owner, notes)
        return self._escalate(resources, notes, checks.COMPLETE_REASON)

    def _escalate(
        self, resources: Resources, notes: NoteWriter, reason: str, *actions: Action
    ) -> Result:
        report = note_and_report_from(notes, resources.cluster.id, self.name, now=resources.now())
        return Result(actions=[*report, *actions, escalate(reason)])
