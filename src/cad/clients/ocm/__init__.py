"""OCM client (httpx; Red Hat ships no maintained Python SDK).

The package exports the plain models only, so pure code (an investigation's checks) can use
them without loading httpx: the client lives in :mod:`cad.clients.ocm.client`, token handling
in :mod:`cad.clients.ocm.auth`.
"""

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
    "Cluster",
    "ClusterDeployment",
    "HypershiftInfo",
    "MachinePool",
    "Registry",
    "RegistryCredential",
    "Subscription",
]
