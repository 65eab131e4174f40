"""AWS through boto3: customer-account credentials via backplane's role sequence, EC2
instances of a cluster, CloudTrail stop and terminate events, and (in
:mod:`cad.clients.aws_network`) the account's network. Read-only."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from pydantic import BaseModel, ConfigDict

from cad.clients.aws_errors import translated
from cad.clients.aws_network import NetworkReads
from cad.clients.backplane import BackplaneAccess
from cad.clients.http import Gate
from cad.clients.models import CloudTrailEvent, Instance
from cad.errors import MalformedResponseError

__all__ = [
    "NON_RUNNING_STATES",
    "RUNNING_STATES",
    "AwsClient",
    "AwsCredentials",
    "CustomerCredentialChain",
]

RUNNING_STATES = ("running", "pending")
NON_RUNNING_STATES = ("stopped", "stopping", "terminated", "shutting-down")
# One botocore session for every client: it caches the service models (the EC2 one takes
# a few hundred milliseconds to load). Creating clients from it is guarded by a lock.
_SESSION = botocore.session.get_session()
_SESSION_LOCK = threading.Lock()


def _client(service: str, **kwargs: Any) -> Any:
    with _SESSION_LOCK:
        return boto3.Session(botocore_session=_SESSION).client(service, **kwargs)  # type: ignore[call-overload]


# botocore's "max_attempts" counts retries; "total_max_attempts" counts attempts: 1 = none.
_BOTO_CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=10, read_timeout=30
)


class AwsCredentials(BaseModel):
    """Temporary credentials for the customer's account."""

    model_config = ConfigDict(frozen=True)

    access_key_id: str
    secret_access_key: str
    session_token: str
    region: str
    account_id: str = ""
    """The account the credentials act in (from the last assumed role's ARN)."""

    def __repr__(self) -> str:
        return f"AwsCredentials(access_key_id={self.access_key_id[:4]}..., region={self.region!r})"


class CustomerCredentialChain:
    """Backplane's assume-role sequence: web identity into the initial role with the OCM
    token, then each role of the sequence in turn."""

    def __init__(
        self,
        *,
        backplane: BackplaneAccess,
        initial_role_arn: str,
        ocm_token: Callable[[], str],
        region: str = "us-east-1",
        endpoint_url: str | None = None,
        session_name: str = "cad",
    ) -> None:
        self.backplane = backplane
        self.initial_role_arn = initial_role_arn
        self.ocm_token = ocm_token
        self.region = region
        self.endpoint_url = endpoint_url
        self.session_name = session_name
        self._anonymous: Any = None
        self._lock = threading.Lock()

    def _sts(self, creds: Any) -> Any:
        # AssumeRoleWithWebIdentity is unsigned, but boto3 still wants a key pair to exist.
        key, secret, token = "anonymous", "anonymous", None
        if creds is not None:
            key, secret = creds["AccessKeyId"], creds["SecretAccessKey"]
            token = creds["SessionToken"]
        return _client(
            "sts",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            config=_BOTO_CONFIG,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
        )

    def _web_identity_sts(self) -> Any:
        # Its first call is unsigned: one client for the process, not one per run (a client
        # costs milliseconds of CPU to build). botocore clients are thread-safe.
        with self._lock:
            if self._anonymous is None:
                self._anonymous = self._sts(None)
            return self._anonymous

    def close(self) -> None:
        """Close the process's STS client."""
        with self._lock:
            if self._anonymous is not None:
                self._anonymous.close()
                self._anonymous = None

    def credentials(self, cluster_id: str, region: str | None = None) -> AwsCredentials:
        """Credentials for the cluster's account."""
        with translated("STS AssumeRoleWithWebIdentity"):
            answer = self._web_identity_sts().assume_role_with_web_identity(
                RoleArn=self.initial_role_arn,
                RoleSessionName=self.session_name,
                WebIdentityToken=self.ocm_token(),
            )
        sequence = self.backplane.assume_role_sequence(cluster_id)
        for hop in sequence.roles:
            customer_hop = hop.name in ("Target-Role-Arn", "Org-Role-Arn")
            params: dict[str, Any] = {
                "RoleArn": hop.arn,
                "RoleSessionName": (sequence.customer_role_session_name if customer_hop else "")
                or self.session_name,
            }
            if customer_hop and sequence.external_id:
                params["ExternalId"] = sequence.external_id
            with translated(f"STS AssumeRole {hop.name}"):
                sts = self._sts(answer["Credentials"])
                try:
                    answer = sts.assume_role(**params)
                finally:
                    sts.close()
        creds = answer["Credentials"]
        return AwsCredentials(
            account_id=_account_of(answer),
            access_key_id=creds["AccessKeyId"],
            secret_access_key=creds["SecretAccessKey"],
            session_token=creds["SessionToken"],
            region=region or self.region,
        )


def _account_of(answer: dict[str, Any]) -> str:
    """The account id in an AssumeRole answer's ``arn:aws:sts::<account>:assumed-role/...``."""
    arn = str((answer.get("AssumedRoleUser") or {}).get("Arn", ""))
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


class AwsClient(NetworkReads):
    """Read-only calls in the customer's account: EC2 instances and CloudTrail events here,
    the network (EC2 networking, Route53, ELB, ELBv2) in :class:`NetworkReads`. With a
    ``cloudtrail_gate``, each LookupEvents page waits for a slot of the account and
    region's shared rate budget."""

    def __init__(
        self,
        credentials: AwsCredentials,
        *,
        endpoint_url: str | None = None,
        cloudtrail_gate: Gate | None = None,
    ) -> None:
        self._gate = cloudtrail_gate
        self._gate_key = (
            f"{credentials.account_id or credentials.access_key_id}/{credentials.region}"
        )
        keys = {
            "aws_access_key_id": credentials.access_key_id,
            "aws_secret_access_key": credentials.secret_access_key,
            "aws_session_token": credentials.session_token,
            "region_name": credentials.region,
            "endpoint_url": endpoint_url,
            "config": _BOTO_CONFIG,
        }
        self._keys = keys
        self._services: dict[str, Any] = {}
        self._described: dict[str, list[Instance]] = {}
        self.ec2: Any = _client("ec2", **keys)
        self.cloudtrail: Any = _client("cloudtrail", **keys)

    def _service(self, name: str) -> Any:
        if name not in self._services:
            self._services[name] = _client(name, **self._keys)
        return self._services[name]

    def close(self) -> None:
        """Close the connection pools."""
        self.ec2.close()
        self.cloudtrail.close()
        for client in self._services.values():
            client.close()

    def _instances(self, infra_id: str, states: tuple[str, ...]) -> list[Instance]:
        # One DescribeInstances (all pages) per cluster for this client's run: the running
        # and the non-running instances are asked for back to back.
        if infra_id not in self._described:
            filters = [{"Name": f"tag:kubernetes.io/cluster/{infra_id}", "Values": ["owned"]}]
            found: list[Instance] = []
            with translated("EC2 DescribeInstances"):
                paginator = self.ec2.get_paginator("describe_instances")
                for page in paginator.paginate(Filters=filters):
                    for reservation in page.get("Reservations", []):
                        found.extend(_instance(item) for item in reservation.get("Instances", []))
            self._described[infra_id] = found
        return [instance for instance in self._described[infra_id] if instance.state in states]

    def list_running_instances(self, infra_id: str) -> list[Instance]:
        """Running and pending instances of the cluster."""
        return self._instances(infra_id, RUNNING_STATES)

    def list_non_running_instances(self, infra_id: str) -> list[Instance]:
        """Stopped, stopping, terminated and shutting-down instances of the cluster."""
        return self._instances(infra_id, NON_RUNNING_STATES)

    def lookup_stop_events(self, start: datetime, end: datetime) -> list[CloudTrailEvent]:
        """StopInstances and TerminateInstances events between ``start`` and ``end``, all pages."""
        events: list[CloudTrailEvent] = []
        for name in ("StopInstances", "TerminateInstances"):
            params: dict[str, Any] = {
                "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": name}],
                "StartTime": start,
                "EndTime": end,
            }
            while True:
                page = self._lookup_page(params)
                events.extend(_event(item) for item in page.get("Events", []))
                token = page.get("NextToken")
                if not token:
                    break
                params = {**params, "NextToken": token}
        return events

    def _lookup_page(self, params: dict[str, Any]) -> dict[str, Any]:
        def lookup() -> dict[str, Any]:
            with translated("CloudTrail LookupEvents"):
                return self.cloudtrail.lookup_events(**params)  # type: ignore[no-any-return]

        if self._gate is None:
            return lookup()
        return self._gate.call(self._gate_key, "CloudTrail LookupEvents", lookup)


def _instance(item: dict[str, Any]) -> Instance:
    try:
        tags = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
        return Instance(
            id=item["InstanceId"],
            state=item["State"]["Name"],
            name=tags.get("Name", ""),
            state_transition_reason=item.get("StateTransitionReason", "") or "",
        )
    except (KeyError, TypeError) as exc:
        raise MalformedResponseError(
            "an instance lacks InstanceId or State", system="aws", endpoint="EC2 DescribeInstances"
        ) from exc


def _event(item: dict[str, Any]) -> CloudTrailEvent:
    try:
        return CloudTrailEvent(
            event_id=item.get("EventId", ""),
            event_name=item["EventName"],
            event_time=item["EventTime"],
            username=item.get("Username", "") or "",
            resource_names=[r.get("ResourceName", "") for r in item.get("Resources", [])],
            cloudtrail_event=item.get("CloudTrailEvent", "") or "",
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponseError(
            "an event lacks EventName or EventTime",
            system="aws",
            endpoint="CloudTrail LookupEvents",
        ) from exc
