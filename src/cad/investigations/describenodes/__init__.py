"""describenodes: a ``kubectl describe node``-like account of some or all nodes (manual runs).

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
