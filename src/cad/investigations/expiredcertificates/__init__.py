"""expiredcertificates: expired or soon-expiring TLS certificates of the cluster.

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
