"""insightsoperatordown: the Insights operator is down (banned owner, OCPBUGS-22226, egress).

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
