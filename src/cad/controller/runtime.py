"""The runtime configuration: what the controller, the chain and the executor do with the
settings, built once from :class:`~cad.config.settings.Settings` by the composition root
(:func:`cad.controller.build.build_controller`) and passed down, frozen: nothing below
the composition root reads a setting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cad.config.org_policy import OrgPolicyMapping
from cad.config.settings import Settings
from cad.executor import ExecutionOptions
from cad.investigations.framework.runner import DEFAULT_POLICY
from cad.ratelimit import RateLimits
from cad.retry import RetryPolicy

__all__ = ["RuntimeConfig"]


@dataclass(frozen=True)
class RuntimeConfig:
    """The policies of one process's runs. The defaults are the settings' defaults."""

    action_retry: RetryPolicy = field(default_factory=RetryPolicy)
    """Every action's attempts and the deadline of one execution (the executor)."""
    investigation_retry: RetryPolicy = DEFAULT_POLICY
    """An investigation's attempts on infrastructure errors, and their deadline."""
    service_log_window: timedelta = timedelta(days=7)
    """A service log identical to one sent within this window is not sent again."""
    cloudtrail_lookback: timedelta = timedelta(hours=2)
    octosql_image: str = ""
    """The image that analyses an etcd snapshot (etcddatabasequotalowspace)."""
    etcd_analysis_timeout_s: float = 300.0
    """How long the etcd snapshot-and-analysis Job may run (etcddatabasequotalowspace)."""
    acm_hcp_must_gather_image: str | None = None
    """The image of a hosted cluster's must-gather (mustgather; ``None``: the original's)."""
    experimental: bool = False
    executor_max_workers: int = 32
    org_policies: OrgPolicyMapping = field(default_factory=OrgPolicyMapping)
    """Organizations whose incidents go to a policy of their own (empty: no routing)."""
    rate_limits: RateLimits = field(default_factory=RateLimits)
    """The shared rate budgets of PagerDuty, OCM and CloudTrail."""

    def execution_options(self, **modes: Any) -> ExecutionOptions:
        """The executor's options for one execution: these policies, and ``modes``
        (``dry_run``, ``manual``, ``stage``, ``reconcile``, ``repeat_effects``)."""
        return ExecutionOptions(
            retry=self.action_retry, service_log_window=self.service_log_window, **modes
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> RuntimeConfig:
        """The runtime configuration ``settings`` ask for."""
        action_wait = settings.executor_retry_initial_wait_seconds
        investigation_wait = settings.investigation_retry_initial_wait_seconds
        return cls(
            action_retry=RetryPolicy(
                max_attempts=settings.executor_max_attempts,
                deadline_s=settings.executor_deadline_seconds,
                initial_wait_s=action_wait,
                jitter_s=min(0.5, action_wait),
            ),
            investigation_retry=RetryPolicy(
                max_attempts=DEFAULT_POLICY.max_attempts,
                deadline_s=settings.investigation_retry_deadline_seconds,
                initial_wait_s=investigation_wait,
                max_wait_s=DEFAULT_POLICY.max_wait_s,
                jitter_s=min(0.5, investigation_wait),
            ),
            service_log_window=timedelta(days=settings.service_log_dedupe_days),
            cloudtrail_lookback=timedelta(hours=settings.cloudtrail_lookback_hours),
            octosql_image=settings.octosql_image,
            etcd_analysis_timeout_s=settings.etcd_analysis_timeout_seconds,
            acm_hcp_must_gather_image=settings.acm_hcp_must_gather_image,
            experimental=settings.experimental_enabled,
            executor_max_workers=settings.executor_max_workers,
            org_policies=settings.org_policy_mapping,
            rate_limits=RateLimits(
                pagerduty_per_minute=settings.rate_limit_pagerduty_per_minute,
                ocm_per_second=settings.rate_limit_ocm_per_second,
                cloudtrail_per_second=settings.rate_limit_cloudtrail_per_second,
            ),
        )
