"""The controller: a PagerDuty payload or a manual request, end to end.

PagerDuty mode (:mod:`cad.controller.pagerduty_mode`): payload → incident → cluster id →
cluster → organization routing → alert config → chain → title; every failure after the
incident is known ends with a note saying what failed and an escalation. Manual mode
(:mod:`cad.controller.manual_mode`): precheck, ccam, then the target, with PagerDuty actions
dropped. Each run's state is one :class:`~cad.controller.run.Run`.
"""

from __future__ import annotations

from typing import Any

from cad.config.investigation_config import InvestigationConfig
from cad.controller.dependencies import Dependencies
from cad.controller.manual_mode import ManualMode
from cad.controller.metrics import ControllerMetrics
from cad.controller.outcome import RunOutcome
from cad.controller.pagerduty_mode import PagerDutyMode
from cad.controller.run import FAILURE_NOTE

__all__ = ["FAILURE_NOTE", "Controller"]


class Controller:
    """Runs one incident or one manual request. Create one per process; runs are independent."""

    def __init__(
        self, deps: Dependencies, config: InvestigationConfig, metrics: ControllerMetrics
    ) -> None:
        self.deps = deps
        self.config = config
        self.metrics = metrics

    def investigate(
        self,
        payload: bytes | str | dict[str, Any],
        *,
        dry_run: bool = False,
        reconcile: bool = False,
        defer_transient: bool = False,
        run_id: int | None = None,
        repeat_effects: bool = False,
    ) -> RunOutcome:
        """Investigate the incident a webhook payload (raw JSON, base64 or parsed) is about.

        ``reconcile``: an earlier attempt for this delivery was interrupted, so effects that
        the ledger cannot vouch for (a note posted just before a crash) are looked for first.
        ``defer_transient``: a failure caused by a transient error (5xx, 429, network) is not
        noted and escalated but returned ``deferred``, for a later attempt to try again.
        ``run_id``: the run's id in CAD's history, named in the note of a failed run.
        ``repeat_effects``: an operator's re-run applies again the effects the ledger says
        were applied before (the actions' probes of the live systems still hold).
        """
        return PagerDutyMode(self.deps, self.config, self.metrics).investigate(
            payload,
            dry_run=dry_run,
            reconcile=reconcile,
            defer_transient=defer_transient,
            run_id=run_id,
            repeat_effects=repeat_effects,
        )

    def run_manual(
        self,
        cluster_identifier: str,
        investigation: str,
        *,
        dry_run: bool = False,
        params: dict[str, str] | None = None,
        with_filtering: bool = False,
    ) -> RunOutcome:
        """Run precheck, ccam (as the original's manual flow) and the target on one cluster.
        ``with_filtering``: evaluate the filters this controller's config gives the first
        alert routing to the target (see :mod:`cad.controller.manual_mode`)."""
        return ManualMode(self.deps, self.metrics).run(
            cluster_identifier,
            investigation,
            dry_run=dry_run,
            params=params,
            filtering=self.config if with_filtering else None,
        )

    def escalate_early_failure(
        self, payload: bytes | str, what: str, *, dry_run: bool = False
    ) -> RunOutcome:
        """Before a chain could start (a bad config): note what failed and escalate the
        incident the payload names, if it names one."""
        return PagerDutyMode(self.deps, self.config, self.metrics).escalate_early_failure(
            payload, what, dry_run=dry_run
        )
