"""PagerDuty client (the official ``pagerduty`` package)."""

from cad.clients.pagerduty.client import (
    IncidentAlreadyResolvedError,
    IncidentDetails,
    InvalidEscalationError,
    PagerDutyConnection,
    PagerDutyReader,
    PagerDutyWriteClient,
)
from cad.clients.pagerduty.payload import (
    IncidentEvent,
    InvalidPayloadError,
    NoClusterIdError,
    cluster_id_from_alerts,
    decode_payload,
    parse_payload,
)

__all__ = [
    "IncidentAlreadyResolvedError",
    "IncidentDetails",
    "IncidentEvent",
    "InvalidEscalationError",
    "InvalidPayloadError",
    "NoClusterIdError",
    "PagerDutyConnection",
    "PagerDutyReader",
    "PagerDutyWriteClient",
    "cluster_id_from_alerts",
    "decode_payload",
    "parse_payload",
]
