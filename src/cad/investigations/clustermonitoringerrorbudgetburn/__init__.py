"""clustermonitoringerrorbudgetburn: user workload monitoring misconfigured by the customer.

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
