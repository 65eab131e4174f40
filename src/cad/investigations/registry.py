"""Every investigation CAD knows, in the original's registry order. Adding one: append it."""

from __future__ import annotations

from cad.investigations.ccam.investigation import Ccam
from cad.investigations.chgm.investigation import Chgm
from cad.investigations.clustermonitoringerrorbudgetburn.investigation import (
    ClusterMonitoringErrorBudgetBurn,
)
from cad.investigations.describenodes.investigation import DescribeNodes
from cad.investigations.framework.registry import Registry
from cad.investigations.machinehealthcheckunterminatedshortcircuitsre.investigation import (
    MachineHealthCheckUnterminatedShortCircuitSre,
)
from cad.investigations.precheck.investigation import Precheck

__all__ = ["REGISTRY"]

REGISTRY = Registry(
    [
        Precheck,
        Ccam,
        Chgm,
        ClusterMonitoringErrorBudgetBurn,
        MachineHealthCheckUnterminatedShortCircuitSre,
        DescribeNodes,
    ]
)
