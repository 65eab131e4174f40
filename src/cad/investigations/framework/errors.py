"""Errors of investigations.

::

    InvestigationError
    ├── ResourceError                 a resource could not be built (carries cluster id, cause)
    │   ├── ClusterLookupError
    │   ├── ClusterDeploymentNotFoundError
    │   ├── AwsClientError
    │   ├── RestConfigError
    │   ├── KubeClientError
    │   └── OwnerLookupError
    ├── InfrastructureError           we could not look: transient, the runner retries
    └── FindingError                  what we saw is itself the finding: note and escalate

A ResourceError whose cause is transient (a 503 from backplane, a timeout) is retried like an
InfrastructureError; one whose cause is permanent is not. Anything else an investigation
raises is a CAD failure: the controller escalates with a note.
"""

from __future__ import annotations

from cad.errors import CADError, is_transient

__all__ = [
    "AwsClientError",
    "ClusterDeploymentNotFoundError",
    "ClusterLookupError",
    "FindingError",
    "InfrastructureError",
    "InvestigationError",
    "KubeClientError",
    "OwnerLookupError",
    "ResourceError",
    "RestConfigError",
    "cluster_access_message",
    "is_retryable",
]


class InvestigationError(CADError):
    """Base of the errors investigations raise."""


class ResourceError(InvestigationError):
    """A resource could not be built for the cluster."""

    what = "resource"

    def __init__(self, cluster_id: str, cause: BaseException) -> None:
        self.cluster_id = cluster_id
        self.cause = cause
        super().__init__(f"could not get the {self.what} of cluster {cluster_id}: {cause}")


class ClusterLookupError(ResourceError):
    """OCM has no such cluster (or the lookup failed)."""

    what = "cluster"


class ClusterDeploymentNotFoundError(ResourceError):
    """The cluster has no Hive ClusterDeployment (HCP clusters have none)."""

    what = "cluster deployment"


class AwsClientError(ResourceError):
    """No credentials for the customer's AWS account (backplane's role chain failed)."""

    what = "AWS credentials"


class RestConfigError(ResourceError):
    """Backplane gave no access to the cluster's Kubernetes API."""

    what = "Kubernetes API access"


class KubeClientError(ResourceError):
    """The Kubernetes client could not be built or reach the API."""

    what = "Kubernetes client"


class OwnerLookupError(ResourceError):
    """The cluster's owner could not be found (subscription not active, or a lookup failed)."""

    what = "owner"


class InfrastructureError(InvestigationError):
    """An API failure that stopped the investigation from looking: retried."""

    def __init__(self, context: str, cause: BaseException | None = None) -> None:
        self.context = context
        self.cause = cause
        super().__init__(f"infrastructure error ({context})" + (f": {cause}" if cause else ""))


class FindingError(InvestigationError):
    """What the investigation found cannot be acted on automatically: note and escalate."""

    def __init__(self, context: str, cause: BaseException | str | None = None) -> None:
        self.context = context
        self.cause = cause
        super().__init__(f"investigation finding ({context})" + (f": {cause}" if cause else ""))


def is_retryable(exc: BaseException) -> bool:
    """Whether the runner should try the investigation again with fresh resources."""
    if isinstance(exc, InfrastructureError):
        return True
    return isinstance(exc, ResourceError) and is_transient(exc.cause)


def cluster_access_message(exc: BaseException) -> str | None:
    """The original's note for a failure to reach the cluster's API, or ``None``."""
    if isinstance(exc, RestConfigError):
        return "CAD was unable to get credentials to the cluster. Please investigate manually."
    if isinstance(exc, KubeClientError):
        return "CAD was unable to access cluster's kube-api. Please investigate manually."
    return None
