"""AWS worlds shared by tests that drive the sandbox end to end."""

from __future__ import annotations

from typing import Any

STOPPED_BY_CUSTOMER: dict[str, Any] = {
    "instances": [
        {
            "id": "i-0001",
            "name": "my-cluster-x7k2p-master-0",
            "state": "stopped",
            "stopped_at": "-40m",
        }
    ],
    "cloudtrail": [
        {
            "instance_id": "i-0001",
            "time": "-39m",
            "username": "jdoe",
            "issuer_username": "CustomerAdmin",
        }
    ],
}
"""One control-plane instance stopped 40 minutes ago by a customer user."""
