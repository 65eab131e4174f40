"""clusterhealthcheck: twelve informational health checks of a cluster (manual runs).

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
