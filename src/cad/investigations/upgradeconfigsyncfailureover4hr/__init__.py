"""upgradeconfigsyncfailureover4hr: the upgrade config cannot sync; is the owner banned, or
does the cluster's pull secret no longer match the owner's OCM data?

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
