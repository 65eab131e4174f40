"""machinehealthcheckunterminatedshortcircuitsre: why a MachineHealthCheck stopped remediating.

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
