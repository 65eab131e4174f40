"""Every investigation CAD knows, in the original's registry order. Adding one: append it."""

from __future__ import annotations

from cad.investigations.aiassisted.investigation import AiAssisted
from cad.investigations.cannotretrieveupdatessre.investigation import CannotRetrieveUpdatesSre
from cad.investigations.ccam.investigation import Ccam
from cad.investigations.chgm.investigation import Chgm
from cad.investigations.clusterhealthcheck.investigation import ClusterHealthCheck
from cad.investigations.clustermonitoringerrorbudgetburn.investigation import (
    ClusterMonitoringErrorBudgetBurn,
)
from cad.investigations.consoleerrorbudgetburn.investigation import ConsoleErrorBudgetBurn
from cad.investigations.cpd.investigation import ClusterProvisioningDelay
from cad.investigations.describenodes.investigation import DescribeNodes
from cad.investigations.etcddatabasequotalowspace.investigation import (
    EtcdDatabaseQuotaLowSpace,
)
from cad.investigations.expiredcertificates.investigation import ExpiredCertificates
from cad.investigations.framework.registry import Registry
from cad.investigations.insightsoperatordown.investigation import InsightsOperatorDown
from cad.investigations.machinehealthcheckunterminatedshortcircuitsre.investigation import (
    MachineHealthCheckUnterminatedShortCircuitSre,
)
from cad.investigations.mustgather.investigation import MustGather
from cad.investigations.ocmagentresponsefailure.investigation import OcmAgentResponseFailure
from cad.investigations.pdbblockingnodedrain.investigation import PdbBlockingNodeDrain
from cad.investigations.precheck.investigation import Precheck
from cad.investigations.restartcontrolplane.investigation import RestartControlPlane
from cad.investigations.upgradeconfigsyncfailureover4hr.investigation import (
    UpgradeConfigSyncFailureOver4Hr,
)

__all__ = ["REGISTRY"]

REGISTRY = Registry(
    [
        Precheck,
        Ccam,
        AiAssisted,
        Chgm,
        ClusterMonitoringErrorBudgetBurn,
        ClusterProvisioningDelay,
        EtcdDatabaseQuotaLowSpace,
        InsightsOperatorDown,
        UpgradeConfigSyncFailureOver4Hr,
        MachineHealthCheckUnterminatedShortCircuitSre,
        OcmAgentResponseFailure,
        RestartControlPlane,
        CannotRetrieveUpdatesSre,
        MustGather,
        DescribeNodes,
        ClusterHealthCheck,
        ConsoleErrorBudgetBurn,
        ExpiredCertificates,
        PdbBlockingNodeDrain,
    ]
)
