"""Settings from environment variables: the only module of CAD that reads the environment.

Every setting has the ``CAD_`` prefix; where the Go original used another name
(``BACKPLANE_URL``, ``BACKPLANE_INITIAL_ARN``, ``PD_SIGNATURE``, ``LOG_LEVEL``) that name
is accepted as well.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


# A public URL, not a secret (the linter flags any name containing "token").
_SSO_TOKEN_URL = "https://sso.redhat.com/auth/realms/redhat-external/protocol/openid-connect/token"  # noqa: S105


class Settings(BaseSettings):
    """Everything CAD reads from its environment, with defaults that are safe to run with."""

    model_config = SettingsConfigDict(
        env_prefix="CAD_", extra="ignore", frozen=True, populate_by_name=True
    )

    log_level: str = Field(
        default="info", validation_alias=AliasChoices("CAD_LOG_LEVEL", "LOG_LEVEL")
    )
    log_format: str = Field(default="console", description="console or json")

    # Executor
    executor_max_attempts: int = Field(default=4, ge=1, le=20)
    executor_deadline_seconds: float = Field(default=120.0, gt=0)
    executor_retry_initial_wait_seconds: float = Field(default=0.5, gt=0)
    executor_max_workers: int = Field(default=32, ge=1, le=256)
    service_log_dedupe_days: float = Field(default=7.0, ge=0)

    # OCM
    ocm_url: str = "https://api.openshift.com"
    ocm_token_url: str = _SSO_TOKEN_URL
    ocm_client_id: str | None = None
    ocm_client_secret: SecretStr | None = None

    # PagerDuty
    pd_url: str = "https://api.pagerduty.com"
    pd_token: SecretStr | None = None
    pd_from: str = "sd-sre-platform+pagerduty-configuration-anomaly-detection-agent@redhat.com"
    silent_policy: str | None = None
    pd_escalation_level: int = Field(default=2, ge=1)
    pd_ca_bundle: str | None = None

    # Backplane and AWS
    backplane_url: str | None = Field(
        default=None, validation_alias=AliasChoices("CAD_BACKPLANE_URL", "BACKPLANE_URL")
    )
    backplane_initial_arn: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CAD_BACKPLANE_INITIAL_ARN", "BACKPLANE_INITIAL_ARN"),
    )
    aws_endpoint_url: str | None = None
    aws_region: str = "us-east-1"
    cloudtrail_lookback_hours: float = Field(default=2.0, gt=0)

    # Receiver, store, workers
    database_url: str | None = None
    database_path: str = "cad.sqlite"
    database_connect_timeout_seconds: float = Field(default=5.0, ge=1, le=300)
    database_statement_timeout_seconds: float = Field(default=30.0, ge=0.1, le=3600)
    # PagerDuty gives a webhook 5 s to answer: the receiver's store calls get less than that.
    webhook_store_timeout_seconds: float = Field(default=2.0, ge=0.1, le=4)
    migrate: bool = True
    pd_webhook_secrets: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("CAD_PD_WEBHOOK_SECRETS", "PD_SIGNATURE")
    )
    webhook_event_types: str = "incident.triggered"
    api_token: SecretStr | None = None
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0)
    worker_stalled_after_seconds: float = Field(default=60.0, gt=0)
    worker_max_retries: int = Field(default=4, ge=0)
    worker_retry_wait_seconds: int = Field(default=3, ge=1)
    budget_limited_support_per_hour: int = Field(default=20, ge=0)
    budget_service_logs_per_hour: int = Field(default=100, ge=0)

    # Controller
    investigation_config_path: str | None = None
    experimental_enabled: bool = False
    prometheus_pushgateway: str | None = None
    investigation_retry_deadline_seconds: float = Field(default=300.0, gt=0)
    investigation_retry_initial_wait_seconds: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _stalled_after_heartbeats(self) -> Settings:
        if self.worker_stalled_after_seconds < 2 * self.worker_heartbeat_seconds:
            raise ValueError(
                "CAD_WORKER_STALLED_AFTER_SECONDS must be at least twice "
                "CAD_WORKER_HEARTBEAT_SECONDS, or a busy worker would be taken for dead"
            )
        return self

    def uses_job_queue(self) -> bool:
        """Whether the store is PostgreSQL, where the job queue and ``cadctl worker`` run."""
        return not self.store_url().startswith("sqlite")  # as the store decides

    def secret_values(self) -> list[str]:
        """Every secret value set, so that log redaction can recognise them anywhere."""
        secrets = [self.ocm_client_secret, self.pd_token, self.api_token]
        values = [s.get_secret_value() for s in secrets if s is not None and s.get_secret_value()]
        return values + self.webhook_secrets()

    def webhook_secrets(self) -> list[str]:
        """The webhook signing secrets (comma-separated, trimmed; several during rotation)."""
        raw = self.pd_webhook_secrets.get_secret_value() if self.pd_webhook_secrets else ""
        return [part.strip() for part in raw.split(",") if part.strip()]

    def store_url(self) -> str:
        """``CAD_DATABASE_URL``, else the SQLite file at ``CAD_DATABASE_PATH``."""
        return self.database_url or f"sqlite:///{self.database_path}"

    def event_types(self) -> set[str]:
        """The webhook event types that start a run."""
        return {t.strip() for t in self.webhook_event_types.split(",") if t.strip()}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
