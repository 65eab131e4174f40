"""mustgather: collect a must-gather of the cluster (of its hosted control plane on the
management cluster, for HCP) and upload it to Red Hat's SFTP server (an executor action,
never a write here).

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
