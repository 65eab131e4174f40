"""precheck: stops the chain for clusters CAD must not or cannot investigate.

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
