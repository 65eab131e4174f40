"""restartcontrolplane: restart a hosted cluster's control plane by annotating its
HostedCluster on the management cluster (an executor action, never a write here).

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
