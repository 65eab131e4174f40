"""boto3's exceptions as CAD's error tree: throttling is rate limiting, the HTTP status picks
the class (:func:`cad.errors.error_for_status`), connection failures are network errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import botocore.exceptions

from cad.clients.http import parse_retry_after
from cad.errors import NetworkError, NotFoundError, RateLimitedError, error_for_status

__all__ = ["translated"]

_THROTTLING = frozenset(
    {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}
)

# EC2 answers 400 for an unknown id (InvalidSubnetID.NotFound, InvalidGroup.NotFound), ELB
# LoadBalancerNotFound, Route53 NoSuchHostedZone: the code says "not found", not the status.
_NOT_FOUND = ("NotFound", "NotFoundException")


@contextmanager
def translated(endpoint: str) -> Iterator[None]:
    """Raise CAD's error for a failed AWS call made inside the block."""
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
        code = str(error.get("Code", ""))
        message = str(error.get("Message", code))
        if code in _THROTTLING:
            headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
            raise RateLimitedError(
                message,
                system="aws",
                endpoint=endpoint,
                status=status,
                code=code,
                retry_after=parse_retry_after(headers.get("retry-after")),
            ) from exc
        if code.endswith(_NOT_FOUND) or code.startswith("NoSuch"):
            raise NotFoundError(
                message, system="aws", endpoint=endpoint, status=status, code=code
            ) from exc
        raise error_for_status(status, message, system="aws", endpoint=endpoint, code=code) from exc
    except (
        botocore.exceptions.EndpointConnectionError,
        botocore.exceptions.ConnectTimeoutError,
        botocore.exceptions.ReadTimeoutError,
        botocore.exceptions.ConnectionClosedError,
    ) as exc:
        raise NetworkError(
            f"connection failed ({type(exc).__name__})", system="aws", endpoint=endpoint
        ) from exc
