"""clustermonitoringerrorbudgetburn: user workload monitoring misconfigured by the customer."""

from cad.investigations.clustermonitoringerrorbudgetburn.investigation import (
    ClusterMonitoringErrorBudgetBurn,
)

__all__ = ["ClusterMonitoringErrorBudgetBurn"]
