"""consoleerrorbudgetburn: why is the console's error budget burning? Every layer of the
path to the console, from the blackbox probe to the load balancer.

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
