"""cannotretrieveupdatessre: the cluster cannot retrieve updates from its channel.

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
