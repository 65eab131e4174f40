"""pdbblockingnodedrain: PodDisruptionBudgets blocking the drain of nodes in an HCP upgrade.

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
