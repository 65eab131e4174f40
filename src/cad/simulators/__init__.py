"""Local simulators of OCM, PagerDuty, backplane, the Kubernetes API and AWS.

They speak the real HTTP APIs so the real clients can be exercised over real sockets, and
misbehave on demand (latency, error statuses, 429 with Retry-After, hangs, dropped
connections). They import nothing of CAD but plain models.
"""
