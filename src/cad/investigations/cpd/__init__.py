"""cpd: ClusterProvisioningDelay, a cluster's installation is taking too long (DNS, the
BYOVPC subnets' routes to the internet, egress).

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
