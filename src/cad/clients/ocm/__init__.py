"""OCM client (httpx; Red Hat ships no maintained Python SDK)."""

from cad.clients.ocm.auth import BearerAuth, TokenSource
from cad.clients.ocm.client import (
    AmbiguousClusterError,
    ClusterNotFoundError,
    OcmConnection,
    OcmReader,
    OcmWriteClient,
)
from cad.clients.ocm.models import (
    Account,
    Cluster,
    ClusterDeployment,
    HypershiftInfo,
    MachinePool,
    Registry,
    RegistryCredential,
    Subscription,
)

__all__ = [
    "Account",
    "AmbiguousClusterError",
    "BearerAuth",
    "Cluster",
    "ClusterDeployment",
    "ClusterNotFoundError",
    "HypershiftInfo",
    "MachinePool",
    "OcmConnection",
    "OcmReader",
    "OcmWriteClient",
    "Registry",
    "RegistryCredential",
    "Subscription",
    "TokenSource",
]
