"""Settings from environment variables: the only module of CAD that reads the environment.

Every setting has the ``CAD_`` prefix; where the Go original used another name
(``BACKPLANE_URL``, ``BACKPLANE_INITIAL_ARN``, ``PD_SIGNATURE``, ``LOG_LEVEL``) that name
is accepted as well.

Every setting is checked at start against its known values and a sane range (numbers are
finite and bounded, URLs parse, files exist); :func:`load_settings` turns the problems into
one line naming each variable.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from cad.config import setting_checks as checks
from cad.config.org_policy import OrgPolicyMapping, parse_org_policy_mapping
from cad.errors import ConfigurationError

__all__ = ["InvalidSettingsError", "Settings", "get_settings", "load_settings"]

HttpUrl = Annotated[str, AfterValidator(checks.check_http_url)]
HttpsUrl = Annotated[str, AfterValidator(lambda url: checks.check_http_url(url, https_only=True))]
Address = Annotated[str, AfterValidator(checks.check_address)]
Image = Annotated[str, AfterValidator(checks.check_image)]
ExistingFile = Annotated[str, AfterValidator(checks.check_file)]
LogLevel = Annotated[
    Literal["debug", "info", "warning", "error"],
    BeforeValidator(lambda level: level.lower() if isinstance(level, str) else level),
]


# The most a job's retries may wait in all: until its last attempt, a deferred incident
# tells nobody.
_MAX_RETRY_WAIT_S = 3600
# A public URL, not a secret (the linter flags any name containing "token").
_SSO_TOKEN_URL = "https://sso.redhat.com/auth/realms/redhat-external/protocol/openid-connect/token"  # noqa: S105


class Settings(BaseSettings):
    """Everything CAD reads from its environment, with defaults that are safe to run with."""

    model_config = SettingsConfigDict(
        env_prefix="CAD_",
        extra="ignore",
        frozen=True,
        populate_by_name=True,
        allow_inf_nan=False,  # an infinite deadline or wait is never meant
    )

    log_level: LogLevel = Field(
        default="info", validation_alias=AliasChoices("CAD_LOG_LEVEL", "LOG_LEVEL")
    )
    log_format: Literal["console", "json"] = "console"

    # Executor
    executor_max_attempts: int = Field(default=4, ge=1, le=20)
    executor_deadline_seconds: float = Field(default=120.0, gt=0, le=3600)
    executor_retry_initial_wait_seconds: float = Field(default=0.5, gt=0, le=60)
    executor_max_workers: int = Field(default=32, ge=1, le=256)
    service_log_dedupe_days: float = Field(default=7.0, ge=0, le=365)

    # OCM
    ocm_url: HttpUrl = "https://api.openshift.com"
    ocm_token_url: HttpUrl = _SSO_TOKEN_URL
    ocm_client_id: str | None = None
    ocm_client_secret: SecretStr | None = None

    # PagerDuty
    pd_url: HttpsUrl = "https://api.pagerduty.com"
    pd_token: SecretStr | None = None
    pd_from: str = Field(
        default="sd-sre-platform+pagerduty-configuration-anomaly-detection-agent@redhat.com",
        pattern=r"^[^@\s]+@[^@\s]+$",
    )
    silent_policy: str | None = None
    pd_escalation_level: int = Field(default=2, ge=1, le=20)
    pd_ca_bundle: ExistingFile | None = None
    # Organization routing (issue 19): the original's JSON,
    # {"organizations": [{"name", "org_ids": [...], "escalation_policy"}]}; empty: none.
    org_policy_mapping: Annotated[
        OrgPolicyMapping, NoDecode, BeforeValidator(parse_org_policy_mapping)
    ] = OrgPolicyMapping()

    # Backplane and AWS
    backplane_url: HttpUrl | None = Field(
        default=None, validation_alias=AliasChoices("CAD_BACKPLANE_URL", "BACKPLANE_URL")
    )
    backplane_initial_arn: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CAD_BACKPLANE_INITIAL_ARN", "BACKPLANE_INITIAL_ARN"),
    )
    aws_endpoint_url: HttpUrl | None = None
    # The OpenShift update graph (Cincinnati) clusterhealthcheck asks for newer releases.
    update_graph_url: HttpUrl = "https://api.openshift.com/api/upgrades_info/v1/graph"
    # Red Hat's SFTP server, where must-gathers are uploaded (anonymous credentials; the
    # server's host key must have the pinned fingerprint, as in the original).
    sftp_token_url: HttpUrl = "https://access.redhat.com/hydra/rest/v2/sftp/token"  # noqa: S105
    sftp_host: str = Field(
        default="sftp.access.redhat.com", pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$"
    )
    sftp_port: int = Field(default=22, ge=1, le=65535)
    sftp_host_key_fingerprint: str = Field(
        default="SHA256:Ij7dPhl1PhiycLC/rFXy1sGO2nSS9ky0PYdYhi+ykpQ",
        pattern=r"^SHA256:[A-Za-z0-9+/]{43}$",
    )
    # Must-gathers (issue 18): how long the gather may run (oc adm must-gather's 10 minutes),
    # how often its pod is looked at, and how long and how often to wait for another
    # must-gather on the cluster to finish first (the original's 30 minutes and 60 s).
    must_gather_timeout_seconds: float = Field(default=600.0, gt=0, le=6 * 3600)
    must_gather_poll_seconds: float = Field(default=5.0, gt=0, le=600)
    must_gather_queue_timeout_seconds: float = Field(default=1800.0, ge=0, le=6 * 3600)
    must_gather_queue_poll_seconds: float = Field(default=60.0, gt=0, le=600)
    # The ACM image of a hosted (HCP) cluster's must-gather on its management cluster: the
    # original's CAD_ACM_HCP_MUST_GATHER_IMAGE and default (cad.investigations.mustgather).
    acm_hcp_must_gather_image: Image = (
        "registry.redhat.io/multicluster-engine/must-gather-rhel9:v2.8"
    )
    aws_region: str = Field(default="us-east-1", pattern=r"^[a-z]{2}(-[a-z]+)+-\d+$")
    # The AI agent (the investigation config's ai_agent section): where AgentCore answers
    # (the sandbox's simulator; unset: AWS's regional endpoint), and the credentials that
    # assume its invoker role (unset: boto3's default chain, e.g. the pod's role). The
    # original's README names the pair AGENTCORE_AWS_ACCESS_KEY_ID/_SECRET_ACCESS_KEY.
    agentcore_endpoint_url: HttpUrl | None = None
    agentcore_access_key_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CAD_AGENTCORE_ACCESS_KEY_ID", "AGENTCORE_AWS_ACCESS_KEY_ID"),
    )
    agentcore_secret_access_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "CAD_AGENTCORE_SECRET_ACCESS_KEY", "AGENTCORE_AWS_SECRET_ACCESS_KEY"
        ),
    )
    # CloudTrail's event history keeps 90 days.
    cloudtrail_lookback_hours: float = Field(default=2.0, gt=0, le=90 * 24)
    # The image that analyses an etcd snapshot (the original's CAD_OCTOSQL_IMAGE).
    octosql_image: str = Field(default="", max_length=512)
    # How long the etcd snapshot-and-analysis Job may run (the original's 5 minutes).
    etcd_analysis_timeout_seconds: float = Field(default=300.0, gt=0, le=3600)

    # Receiver, store, workers
    database_url: Annotated[str, AfterValidator(checks.check_store_url)] | None = None
    database_path: str = Field(default="cad.sqlite", min_length=1)
    database_connect_timeout_seconds: float = Field(default=5.0, ge=1, le=300)
    # Also SQLite's busy timeout: how long a write waits for another connection's lock.
    database_statement_timeout_seconds: float = Field(default=30.0, ge=0.1, le=3600)
    # PagerDuty gives a webhook 5 s to answer: the receiver's store calls get less than that.
    webhook_store_timeout_seconds: float = Field(default=2.0, ge=0.1, le=4)
    migrate: bool = True
    pd_webhook_secrets: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("CAD_PD_WEBHOOK_SECRETS", "PD_SIGNATURE")
    )
    webhook_event_types: Annotated[str, AfterValidator(checks.check_event_types)] = (
        "incident.triggered"
    )
    api_token: Annotated[SecretStr | None, BeforeValidator(lambda token: token or None)] = None
    worker_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0, le=300)
    worker_stalled_after_seconds: float = Field(default=60.0, gt=0, le=3600)
    worker_max_retries: int = Field(default=4, ge=0, le=10)
    worker_retry_wait_seconds: int = Field(default=3, ge=1, le=60)
    budget_limited_support_per_hour: int = Field(default=20, ge=0, le=100_000)
    budget_service_logs_per_hour: int = Field(default=100, ge=0, le=100_000)
    # Shared rate budgets (issue 21), 0 = unlimited: PagerDuty's documented 960/minute per
    # API key, CloudTrail LookupEvents' 2/second per account and region; OCM publishes none.
    rate_limit_pagerduty_per_minute: int = Field(default=960, ge=0, le=100_000)
    rate_limit_ocm_per_second: int = Field(default=50, ge=0, le=10_000)
    rate_limit_cloudtrail_per_second: int = Field(default=2, ge=0, le=1_000)
    # SIGTERM/SIGINT: how long `cadctl serve` lets runs in flight finish (inside Kubernetes'
    # default 30 s terminationGracePeriodSeconds) before handing them back to the queue.
    shutdown_grace_seconds: float = Field(default=25.0, ge=0, le=3600)

    # Controller
    investigation_config_path: str | None = None
    experimental_enabled: bool = False
    prometheus_pushgateway: Annotated[str, AfterValidator(checks.check_pushgateway)] | None = None
    investigation_retry_deadline_seconds: float = Field(default=300.0, gt=0, le=3600)
    investigation_retry_initial_wait_seconds: float = Field(default=1.0, gt=0, le=60)

    # Listeners (issue 13): where `serve` and a worker's metrics listen, and the API docs.
    listen_address: Address = "127.0.0.1"
    metrics_address: Address = "127.0.0.1"
    api_docs: bool = False
    # Observability (issue 16): the source revision `cad_build_info` reports (the image sets
    # it from its build argument).
    build_revision: str = Field(default="unknown", pattern=r"^[0-9A-Za-z._+-]{1,64}$")
    # One log line per HTTP request to `serve` (method, path, status, time): off, since every
    # delivery has its own line already.
    access_log: bool = False
    # Issue 20: who asks for an operator's run (`run`, `investigate`, `rerun`) when
    # --requested-by does not say: CAD_REQUESTED_BY, else the shell's user.
    requested_by: Annotated[
        str | None, BeforeValidator(lambda name: name.strip() or None if name else None)
    ] = Field(
        default=None, max_length=200, validation_alias=AliasChoices("CAD_REQUESTED_BY", "USER")
    )

    @model_validator(mode="after")
    def _stalled_after_heartbeats(self) -> Settings:
        if self.worker_stalled_after_seconds < 2 * self.worker_heartbeat_seconds:
            raise ValueError(
                "CAD_WORKER_STALLED_AFTER_SECONDS must be at least twice "
                "CAD_WORKER_HEARTBEAT_SECONDS, or a busy worker would be taken for dead"
            )
        return self

    @model_validator(mode="after")
    def _agentcore_key_pair(self) -> Settings:
        if (self.agentcore_access_key_id is None) != (self.agentcore_secret_access_key is None):
            raise ValueError(
                "CAD_AGENTCORE_ACCESS_KEY_ID and CAD_AGENTCORE_SECRET_ACCESS_KEY (or "
                "AGENTCORE_AWS_ACCESS_KEY_ID and AGENTCORE_AWS_SECRET_ACCESS_KEY) go together: "
                "set both or neither"
            )
        return self

    def agentcore_credentials(self) -> tuple[str, str] | None:
        """The key pair that assumes the AI agent's invoker role, if one is set."""
        if self.agentcore_access_key_id is None or self.agentcore_secret_access_key is None:
            return None
        return self.agentcore_access_key_id, self.agentcore_secret_access_key.get_secret_value()

    @model_validator(mode="after")
    def _retries_end_in_time(self) -> Settings:
        waited = sum(
            self.worker_retry_wait_seconds**n for n in range(1, self.worker_max_retries + 1)
        )
        if waited > _MAX_RETRY_WAIT_S:
            raise ValueError(
                f"CAD_WORKER_RETRY_WAIT_SECONDS and CAD_WORKER_MAX_RETRIES: the retries would "
                f"wait {waited} s in all, more than {_MAX_RETRY_WAIT_S} s (a deferred incident "
                "tells nobody until its last attempt)"
            )
        return self

    def listens_on_loopback(self) -> bool:
        """Whether only this machine reaches ``serve`` (then ``/runs`` needs no token)."""
        return checks.is_loopback(self.listen_address)

    def uses_job_queue(self) -> bool:
        """Whether the store is PostgreSQL, where the job queue and ``cadctl worker`` run."""
        return not self.store_url().startswith("sqlite")  # as the store decides

    def secret_values(self) -> list[str]:
        """Every secret value set, so that log redaction can recognise them anywhere."""
        secrets = [
            self.ocm_client_secret,
            self.pd_token,
            self.api_token,
            self.agentcore_secret_access_key,
        ]
        values = [s.get_secret_value() for s in secrets if s is not None and s.get_secret_value()]
        return values + self.webhook_secrets()

    def webhook_secrets(self) -> list[str]:
        """The webhook signing secrets (comma-separated, trimmed; several during rotation)."""
        raw = self.pd_webhook_secrets.get_secret_value() if self.pd_webhook_secrets else ""
        return [part.strip() for part in raw.split(",") if part.strip()]

    def store_url(self) -> str:
        """``CAD_DATABASE_URL``, else the SQLite file at ``CAD_DATABASE_PATH``."""
        return self.database_url or f"sqlite:///{self.database_path}"

    def store_configured(self) -> bool:
        """Whether a store was chosen (``CAD_DATABASE_URL`` or ``CAD_DATABASE_PATH`` set):
        then ``cadctl run`` and ``investigate`` record their runs and use its ledger and
        budget; without one they keep nothing, as the original."""
        return self.database_url is not None or "database_path" in self.model_fields_set

    def requester(self) -> str:
        """Who asks for an operator's run: ``CAD_REQUESTED_BY``, ``$USER``, else the name of
        the process's OS user."""
        if self.requested_by:
            return self.requested_by
        import pwd

        try:
            return pwd.getpwuid(os.getuid()).pw_name
        except KeyError:  # a container's uid with no passwd entry
            return f"uid {os.getuid()}"

    def event_types(self) -> set[str]:
        """The webhook event types that start a run."""
        return {t.strip() for t in self.webhook_event_types.split(",") if t.strip()}


class InvalidSettingsError(ConfigurationError):
    """The environment holds invalid settings; the message names each variable, on one line."""


def _variable(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return ""
    name = str(loc[0])
    inner = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[1:])
    return (
        (name if name.isupper() else f"CAD_{name.upper()}")
        + ": "
        + (f"{inner.removeprefix('.')}: " if inner else "")
    )


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment, ``overrides`` (field names) taking precedence;
    :class:`InvalidSettingsError` on any invalid value."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = "; ".join(
            f"{_variable(e['loc'])}{e['msg'].removeprefix('Value error, ')}" for e in error.errors()
        )
        raise InvalidSettingsError(f"invalid settings: {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
