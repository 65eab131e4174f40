"""CAD's error tree: every error CAD raises on purpose derives from :class:`CADError`.

The tree names every error class of the ``cad`` package, each name once, and the module it
lives in when that is not this one (``tests/foundation/test_error_tree.py`` keeps it true). The
simulators' own errors are not CAD's: they stand in for other systems and become those
systems' HTTP answers.

::

    CADError
    ├── ActionValidationError        an action failed validation; nothing was executed
    ├── BadDeliveryError             webhook.validation: a signed delivery CAD cannot take (400)
    ├── ChainFailedError             controller.chain: the chain could not complete
    ├── ConfigurationError           settings or files CAD cannot run with
    │   ├── InvalidSettingsError     config.settings: CAD_ variables out of their known values
    │   ├── InvestigationConfigError  config.investigation_config: the config file is invalid
    │   ├── ScenarioError            scenarios.model: scenario files that do not load
    │   └── YamlError                config.yaml_errors: a YAML document that does not validate
    ├── ClientError                  a call to an external system failed
    │   ├── TransientError           worth retrying: the same call may succeed later
    │   │   ├── NetworkError         connection refused/reset, DNS, TLS, timeout
    │   │   │   ├── AgentTimeoutError    clients.agentcore: the AI agent did not answer in time
    │   │   │   ├── ExecTimeoutError     clients.kube_exec: a command in a pod ran out of time
    │   │   │   └── OutcomeUnknownError  sent, but no answer: the server may still apply it
    │   │   ├── ServerError          HTTP 5xx
    │   │   └── RateLimitedError     HTTP 429; ``retry_after`` carries the server's wish
    │   └── PermanentError           retrying cannot help
    │       ├── InvalidRequestError  HTTP 400/409/422: the request was wrong
    │       │   ├── AmbiguousClusterError   clients.ocm: more than one cluster matches
    │       │   └── InvalidEscalationError  clients.pagerduty: the escalation was refused
    │       ├── AuthenticationError  HTTP 401: credentials rejected
    │       ├── ForbiddenError       HTTP 403: credentials lack the permission
    │       ├── NotFoundError        HTTP 404: the object does not exist
    │       │   └── ClusterNotFoundError    clients.ocm: no cluster matches the identifier
    │       ├── MalformedResponseError  the answer could not be understood
    │       ├── ExecRefusedError     clients.kube_exec: not a read-only command; nothing sent
    │       ├── ExecOutputLimitError    clients.kube_exec: a command printed past its limit
    │       ├── ExecFailedError      clients.kube_exec: a command in a pod could not run
    │       ├── HostKeyMismatchError    clients.sftp: the SFTP server's key is not the pinned one
    │       ├── GatherFailedError    clients.kube_mustgather: the must-gather's gather failed
    │       ├── GatherTimeoutError   clients.kube_mustgather: the gather ran past its timeout
    │       ├── GatherQueueTimeoutError  clients.kube_mustgather: another must-gather ran on
    │       ├── MustGatherArchiveError   actions.mustgather: the archive cannot be uploaded
    │       └── IncidentAlreadyResolvedError  clients.pagerduty: the incident is resolved
    ├── GaveUpError                  retry: a call failed for good
    ├── InvalidPayloadError          clients.pagerduty: neither a WebhookV3 nor an EO payload
    ├── InvestigationError           investigations.framework.errors: see that module
    │   ├── ResourceError            a resource could not be built for the cluster
    │   │   ├── ClusterLookupError   the OCM cluster could not be read
    │   │   ├── ClusterDeploymentNotFoundError
    │   │   ├── AwsClientError
    │   │   ├── RestConfigError
    │   │   ├── KubeClientError
    │   │   └── OwnerLookupError
    │   ├── InfrastructureError      we could not look: transient, the runner retries
    │   ├── FindingError             what we saw is itself the finding: note and escalate
    │   ├── CloudTrailRecordError    investigations.chgm.checks: a record CAD cannot read
    │   ├── CertificateError         investigations.expiredcertificates.checks: unreadable tls.crt
    │   ├── AlertsParseError         investigations.clusterhealthcheck.alerts: not Alertmanager's
    │   ├── HealthProbeError         investigations.clusterhealthcheck.probes: a probe failed
    │   ├── SelectorError            investigations.framework.labels: a selector CAD cannot evaluate
    │   ├── PodCommandError          investigations.consoleerrorbudgetburn.cluster_checks
    │   ├── InvalidSelectorError     investigations.describenodes.checks: SELECTOR does not parse
    │   └── PullSecretError          investigations.framework.pullsecret: an unreadable pull secret
    │       ├── SecretDataEmptyError
    │       ├── MissingDockerConfigJsonError
    │       ├── ParseSecretError
    │       ├── SecretAuthNotFoundError
    │       └── AuthEmailNotFoundError
    ├── JobAlreadyQueuedError        store.db: the incident's job is waiting already
    ├── JobFailedError               actions.jobs: a Kubernetes Job failed or ran out of time
    ├── NoClusterIdError             clients.pagerduty: no alert names a cluster
    ├── RetryableRunError            worker.distributed: another attempt may fix the run
    ├── ScaffoldError                investigations.scaffold: the name is invalid or taken
    ├── ServerAlreadyRunningError    store.instance: another server holds the SQLite file
    ├── StoreUnavailableError        the database could not be reached or written (transient)
    │   └── StoreTimeoutError        webhook.storecalls: no answer within the receiver's bound
    ├── TargetUnavailableError       actions.base: the execution lacks what an action needs
    ├── UnknownIncidentError         store.deliveries: no delivery of the incident to re-run
    └── UnknownInvestigationError    investigations.framework.registry: no such name or alias

**ActionValidationError.** Raised by the executor before it runs anything when one action of
a batch is invalid. Names the action's index, type and the reason.

**ConfigurationError.** Missing or invalid settings, unreadable configuration files. The
message names what is wrong and never includes a secret value.

**StoreUnavailableError.** CAD's own database failed: unreachable, or a lock held past the
busy timeout. Transient: the run that met it is retried with backoff, and its last attempt
notes and escalates the incident.

**ClientError.** Carries the endpoint (method and path, never a query string with secrets),
the HTTP status when there was one, and the server's own error identifiers (OCM ``code`` and
``operation_id``, PagerDuty's numeric error code). Whether an error is transient is decided
by its class, which the client layer picks from the exception type and HTTP status, never
by reading message text.

**TransientError.** The executor and the investigation runner retry these, with backoff,
inside a deadline. ``retry_after`` (seconds) is set when the server said how long to wait
(``Retry-After`` or PagerDuty's ``ratelimit-reset``).

**OutcomeUnknownError.** The request went out and no answer came back (a read timeout, a
connection closed mid-answer): a write may still land on the server. The executor waits
before it probes and applies such a write again, unless the action is idempotent.

**PermanentError.** Fails at once; retrying would only repeat the failure.
"""

from __future__ import annotations

import sys

__all__ = [
    "ActionValidationError",
    "AuthenticationError",
    "CADError",
    "ClientError",
    "ConfigurationError",
    "ForbiddenError",
    "InvalidRequestError",
    "MalformedResponseError",
    "NetworkError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermanentError",
    "RateLimitedError",
    "ServerError",
    "StoreUnavailableError",
    "TransientError",
    "caused_by_transient",
    "error_for_status",
    "is_transient",
]


class CADError(Exception):
    """Base of every error CAD raises on purpose."""


class ActionValidationError(CADError):
    """An action of a batch is invalid; the executor ran none of them."""

    def __init__(self, index: int, action_type: str, reason: str) -> None:
        self.index = index
        self.action_type = action_type
        self.reason = reason
        super().__init__(f"action {index} ({action_type}) is invalid: {reason}")


class ConfigurationError(CADError):
    """CAD cannot run with the settings or files it was given."""


class StoreUnavailableError(CADError):
    """The database could not be reached or written."""


class ClientError(CADError):
    """A call to an external system failed.

    ``system`` names the system (``ocm``, ``pagerduty``, ``aws``, ``backplane``,
    ``kubernetes``); ``endpoint`` is ``"METHOD /path"``; ``status`` the HTTP status if any;
    ``code`` and ``operation_id`` the server's error identifiers if it sent them.
    """

    def __init__(
        self,
        message: str,
        *,
        system: str,
        endpoint: str,
        status: int | None = None,
        code: str | None = None,
        operation_id: str | None = None,
    ) -> None:
        self.message = message
        self.system = system
        self.endpoint = endpoint
        self.status = status
        self.code = code
        self.operation_id = operation_id
        super().__init__(self._render())

    def _render(self) -> str:
        details = []
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.code:
            details.append(f"code {self.code}")
        if self.operation_id:
            details.append(f"operation {self.operation_id}")
        suffix = f" ({', '.join(details)})" if details else ""
        return f"{self.system} {self.endpoint} failed{suffix}: {self.message}"


class TransientError(ClientError):
    """A failure that may go away: retrying the same call can succeed."""

    def __init__(
        self,
        message: str,
        *,
        system: str,
        endpoint: str,
        status: int | None = None,
        code: str | None = None,
        operation_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            message,
            system=system,
            endpoint=endpoint,
            status=status,
            code=code,
            operation_id=operation_id,
        )


class NetworkError(TransientError):
    """The connection failed or timed out before an answer arrived."""


class OutcomeUnknownError(NetworkError):
    """The request was sent and no answer came (read timeout, connection closed mid-answer):
    the server may have applied it, or may still."""


class ServerError(TransientError):
    """The server answered with a 5xx status."""


class RateLimitedError(TransientError):
    """The server answered 429; ``retry_after`` holds the wait it asked for, if any."""


class PermanentError(ClientError):
    """A failure that retrying cannot fix."""


class InvalidRequestError(PermanentError):
    """The server rejected the request as invalid (400, 409, 422)."""


class AuthenticationError(PermanentError):
    """The server rejected the credentials (401)."""


class ForbiddenError(PermanentError):
    """The credentials lack the permission (403)."""


class NotFoundError(PermanentError):
    """The object does not exist (404)."""


class MalformedResponseError(PermanentError):
    """The answer could not be understood (not JSON, missing fields, wrong types)."""


_PERMANENT_BY_STATUS: dict[int, type[PermanentError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    409: InvalidRequestError,
    422: InvalidRequestError,
}


def error_for_status(
    status: int,
    message: str,
    *,
    system: str,
    endpoint: str,
    code: str | None = None,
    operation_id: str | None = None,
    retry_after: float | None = None,
) -> ClientError:
    """Return the error of the right class for an HTTP status: the one place that decides."""
    if status == 429 or status >= 500 or status == 408:
        transient = RateLimitedError if status == 429 else ServerError
        return transient(
            message,
            system=system,
            endpoint=endpoint,
            status=status,
            code=code,
            operation_id=operation_id,
            retry_after=retry_after,
        )
    permanent = _PERMANENT_BY_STATUS.get(status, InvalidRequestError)
    return permanent(
        message,
        system=system,
        endpoint=endpoint,
        status=status,
        code=code,
        operation_id=operation_id,
    )


def is_transient(exc: BaseException) -> bool:
    """Whether retrying may help, from the exception's type and HTTP status only."""
    if isinstance(exc, TransientError | StoreUnavailableError):
        return True
    if isinstance(exc, ClientError):
        return exc.status is not None and (exc.status == 429 or exc.status >= 500)
    return isinstance(exc, ConnectionError | TimeoutError) or _is_httpx_transport_error(exc)


def _is_httpx_transport_error(exc: BaseException) -> bool:
    # Looked up rather than imported: an httpx error exists only once a client loaded httpx,
    # and this module stays importable by pure code (an investigation's checks) without it.
    httpx = sys.modules.get("httpx")
    return httpx is not None and isinstance(exc, httpx.TransportError)


def caused_by_transient(error: BaseException) -> bool:
    """Whether ``error``, or an error in its chain of causes, is transient."""
    seen: BaseException | None = error
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:
        if is_transient(seen):
            return True
        visited.add(id(seen))
        seen = seen.__cause__
    return False
