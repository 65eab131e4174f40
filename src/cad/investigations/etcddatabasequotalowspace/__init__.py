"""etcddatabasequotalowspace: etcd's database is close to its quota; CAD snapshots etcd and
analyses where the space goes in a Job (an executor action, never a write here), then
silences a WARNING alert and escalates a critical one.

The class is in ``investigation``; the package imports nothing, so that ``checks`` loads
without the clients."""
