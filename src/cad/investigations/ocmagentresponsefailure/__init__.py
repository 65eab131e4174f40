"""ocmagentresponsefailure: OCM Agent cannot reach OCM; is egress blocked, the owner banned,
or the pull secret out of step with OCM?

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
