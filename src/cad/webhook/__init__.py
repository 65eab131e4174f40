"""The PagerDuty webhook receiver: verify, parse, persist, acknowledge."""
