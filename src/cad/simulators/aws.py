"""The AWS simulator: moto's server for EC2, STS, Route53, ELB and ELBv2 (per-account state
models the customer's account; :mod:`cad.simulators.aws_network` seeds the network), with our
own CloudTrail ``LookupEvents`` (moto lacks it: as CloudTrail's, a lookup sees the events
of its caller's account and region only) in front, on one port. Faults match
``/<Action>`` paths (``/DescribeInstances``, ``/LookupEvents``, ``/ListHostedZonesByName``,
``/ListResourceRecordSets``); rate limits count per account and region (a throttled call
gets AWS's ``Throttling`` code, HTTP 429 and a ``Retry-After``)."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qs

import boto3
from moto.backends import get_backend
from moto.iam.models import get_account_id_from
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from cad.simulators.aws_network import NetworkSeeder, needs_network
from cad.simulators.clock import SimClock
from cad.simulators.faults import FaultBook
from cad.simulators.world import CloudTrailEventSpec, ClusterSpec, resolve_time

__all__ = ["AwsSimulator"]

_STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}
_ERROR_CODES = {429: "Throttling", 500: "InternalError", 503: "ServiceUnavailable"}
_AMI = "ami-12c6146b"  # one of moto's default images


class _QuietHandler(MotoRequestHandler):
    def log_request(self, *_args: Any, **_kwargs: Any) -> None:
        """Requests are not logged: tests and the demo would drown in them."""


class AwsSimulator:
    """moto (EC2, STS) plus CloudTrail events, in one WSGI server on a thread."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.faults = FaultBook()
        self.events: dict[str, list[dict[str, Any]]] = {}
        """CloudTrail events by ``account/region``: a lookup sees its caller's only."""
        self.instance_ids: dict[tuple[str, str], str] = {}
        self._network_accounts: set[tuple[str, str]] = set()
        self.lookups = 0
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> AwsSimulator:
        """Serve on 127.0.0.1 and a free port."""
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(
            "127.0.0.1", 0, self._middleware(app), threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sim-aws", daemon=True
        )
        self._thread.start()
        self.reset()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def reset(self) -> None:
        """Forget every instance, event and fault."""
        with self._lock:
            self.events.clear()
            self.instance_ids.clear()
        # moto's backends are process-wide: instances another sandbox seeded in the same
        # account (an earlier test module, say) would otherwise show up in this world. Dropping
        # the reservations removes the instances; a full moto reset() would make moto rebuild
        # the backend (images, instance types) on the next call: ~0.1 s each.
        for regions in get_backend("ec2").values():
            for backend in regions.values():
                backend.reservations.clear()
        # A seeded network (VPCs, subnets, load balancers, hosted zones) is dropped with its
        # account's backends: only those accounts pay for the rebuild.
        with self._lock:
            seeded, self._network_accounts = self._network_accounts, set()
        for account, region in seeded:
            get_backend("ec2")[account][region].reset()
            get_backend("elb")[account][region].reset()
            get_backend("elbv2")[account][region].reset()
            get_backend("route53")[account]["global"].reset()
        self.faults.clear()

    def assumed_role(self, access_key_id: str) -> tuple[str, str] | None:
        """The role ARN and session name moto's STS issued ``access_key_id`` for, if it did
        (the AI agent simulator accepts only assumed roles' credentials)."""
        account = get_account_id_from(access_key_id)
        for partition in get_backend("sts")[account].values():
            role = partition.get_assumed_role_from_access_key(access_key_id)
            if role is not None:
                return str(role.role_arn), str(role.session_name)
        return None

    # --- seeding ---------------------------------------------------------------------------

    def _ec2_in(self, account: str, region: str) -> Any:
        return self._client_in(account, region, "ec2")

    def _client_in(self, account: str, region: str, service: str) -> Any:
        sts = boto3.client(
            "sts",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="seed",
            aws_secret_access_key="seed",
        )
        creds = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed"
        )["Credentials"]
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    def add_cluster(self, spec: ClusterSpec) -> None:
        """Create the cluster's instances in its account and its CloudTrail events."""
        if spec.cloud_provider != "aws":
            return
        now = self.clock.now()
        account, region = spec.account_id(), spec.aws.region
        network: NetworkSeeder | None = None
        if needs_network(spec.aws):
            with self._lock:
                self._network_accounts.add((account, region))
            network = NetworkSeeder(
                lambda service: self._client_in(account, region, service),
                account,
                region,
                spec.resolved_infra_id(),
            )
            network.seed_vpc(spec.aws)
        if spec.aws.instances:
            ec2 = self._ec2_in(account, region)
            backend = get_backend("ec2")[account][region]
            for wanted in spec.aws.instances:
                tags = [
                    {"Key": f"kubernetes.io/cluster/{spec.resolved_infra_id()}", "Value": "owned"},
                    {
                        "Key": "Name",
                        "Value": wanted.name or f"{spec.resolved_infra_id()}-worker-{wanted.id}",
                    },
                ]
                placement: dict[str, Any] = {}
                if wanted.subnet:
                    placement["SubnetId"] = wanted.subnet
                if wanted.security_groups:
                    placement["SecurityGroupIds"] = list(wanted.security_groups)
                made = ec2.run_instances(
                    ImageId=_AMI,
                    MinCount=1,
                    MaxCount=1,
                    InstanceType=wanted.instance_type,
                    TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
                    **placement,
                )["Instances"][0]["InstanceId"]
                with self._lock:
                    self.instance_ids[(spec.id, wanted.id)] = made
                if wanted.state in ("stopped", "stopping"):
                    ec2.stop_instances(InstanceIds=[made])
                elif wanted.state in ("terminated", "shutting-down"):
                    ec2.terminate_instances(InstanceIds=[made])
                instance = backend.get_instance(made)
                instance._state.name = wanted.state
                instance._state.code = _STATE_CODES[wanted.state]
                if wanted.state not in ("running", "pending"):
                    when = resolve_time(wanted.stopped_at or "-1m", now)
                    instance._reason = f"User initiated ({when.strftime('%Y-%m-%d %H:%M:%S')} GMT)"
        if network is not None:
            ids = {key[1]: made for key, made in self.instance_ids.items() if key[0] == spec.id}
            dns_names = network.seed_load_balancers(spec.aws.load_balancers, ids)
            network.seed_hosted_zones(spec.aws.hosted_zones, dns_names)
        for event in spec.aws.cloudtrail:
            self.add_event(spec, event)

    def add_event(self, spec: ClusterSpec, event: CloudTrailEventSpec) -> None:
        """Record one CloudTrail event for the cluster's account."""
        when = resolve_time(event.time, self.clock.now())
        instance = self.instance_ids.get((spec.id, event.instance_id), event.instance_id)
        record = (
            event.raw
            if event.raw is not None
            else json.dumps(_record(spec, event, instance, when.isoformat()))
        )
        with self._lock:
            self.events.setdefault(f"{spec.account_id()}/{spec.aws.region}", []).append(
                {
                    "EventId": str(uuid.uuid4()),
                    "EventName": event.event_name,
                    "ReadOnly": "false",
                    "AccessKeyId": "ASIASIMULATED",
                    "EventTime": when.timestamp(),
                    "EventSource": "ec2.amazonaws.com",
                    "Username": event.username,
                    "Resources": [{"ResourceType": "AWS::EC2::Instance", "ResourceName": instance}],
                    "CloudTrailEvent": record,
                }
            )

    # --- serving ---------------------------------------------------------------------------

    def _middleware(self, app: Any) -> Any:
        def serve(environ: dict[str, Any], start_response: Any) -> Any:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            target = environ.get("HTTP_X_AMZ_TARGET", "")
            action = (
                target.rsplit(".", 1)[-1]
                if target
                else parse_qs(body.decode(errors="replace")).get("Action", [""])[0]
            )
            if not action and environ.get("PATH_INFO", "").startswith("/2013-04-01/"):
                action = _route53_action(environ["PATH_INFO"])
            wait = self.faults.throttle(
                environ["REQUEST_METHOD"], "/" + action, _account_region(environ)
            )
            if wait is not None:
                return _error(start_response, 429, bool(target), round(wait, 3))
            fault = self.faults.take(environ["REQUEST_METHOD"], "/" + action)
            if fault is not None:
                if fault.latency_ms:
                    time.sleep(fault.latency_ms / 1000)
                if fault.hang:
                    time.sleep(60)
                if fault.drop:
                    raise ConnectionAbortedError("injected dropped connection")
                if fault.body is not None:
                    raw = fault.body.encode()
                    start_response(f"{fault.status or 200} OK", [("Content-Length", str(len(raw)))])
                    return [raw]
                if fault.status:
                    return _error(start_response, fault.status, bool(target), fault.retry_after)
            if action == "LookupEvents":
                return self._lookup(body, _account_region(environ), start_response)
            return app(environ, start_response)

        return serve

    def _lookup(self, body: bytes, caller: str, start_response: Any) -> list[bytes]:
        self.lookups += 1
        request = json.loads(body or b"{}")
        attributes = request.get("LookupAttributes") or []
        start = float(request.get("StartTime", 0))
        end = float(request.get("EndTime", 1e12))
        size = int(request.get("MaxResults", 50))
        offset = int(request.get("NextToken") or 0)
        key = {"EventName": "EventName", "Username": "Username", "EventId": "EventId"}
        with self._lock:
            found = [e for e in self.events.get(caller, []) if start <= e["EventTime"] <= end]
        for attribute in attributes:
            name, value = attribute.get("AttributeKey"), attribute.get("AttributeValue")
            if name == "ResourceName":
                found = [
                    e for e in found if any(r["ResourceName"] == value for r in e["Resources"])
                ]
            elif name in key:
                found = [e for e in found if e[key[name]] == value]
        found.sort(key=lambda e: e["EventTime"], reverse=True)
        page = found[offset : offset + size]
        answer: dict[str, Any] = {"Events": page}
        if offset + size < len(found):
            answer["NextToken"] = str(offset + size)
        payload = json.dumps(answer).encode()
        start_response(
            "200 OK",
            [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(payload)))],
        )
        return [payload]


def _route53_action(path: str) -> str:
    """The Route53 operation of a REST path (the reads CAD makes; others by last segment)."""
    if path.rstrip("/").endswith("/rrset"):
        return "ListResourceRecordSets"
    if path.rstrip("/").endswith("/hostedzonesbyname"):
        return "ListHostedZonesByName"
    return path.rstrip("/").rsplit("/", 1)[-1]


def _account_region(environ: dict[str, Any]) -> str:
    """Whose request it is, as AWS's limits count: the account of the signing key (moto
    knows the account of the keys its STS handed out) and the region of the signature."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    scope = authorization.partition("Credential=")[2].split(",")[0].split("/")
    if len(scope) < 3:
        return ""
    return f"{get_account_id_from(scope[0])}/{scope[2]}"


def _error(
    start_response: Any, status: int, json_protocol: bool, retry_after: float | None
) -> list[bytes]:
    code = _ERROR_CODES.get(status, "InvalidRequest" if status < 500 else "InternalError")
    if json_protocol:
        payload = json.dumps({"__type": code, "message": "injected fault"}).encode()
        content_type = "application/x-amz-json-1.1"
    else:
        payload = (
            f"<Response><Errors><Error><Code>{code}</Code>"
            "<Message>injected fault</Message></Error></Errors>"
            f"<RequestID>{uuid.uuid4()}</RequestID></Response>"
        ).encode()
        content_type = "text/xml"
    headers = [("Content-Type", content_type), ("Content-Length", str(len(payload)))]
    if retry_after is not None:
        headers.append(("Retry-After", str(retry_after)))
    start_response(f"{status} Error", headers)
    return [payload]


def _record(
    spec: ClusterSpec, event: CloudTrailEventSpec, instance: str, when: str
) -> dict[str, Any]:
    account = spec.account_id()
    identity: dict[str, Any] = {"type": event.identity_type, "accountId": account}
    if event.identity_type == "IAMUser":
        identity["userName"] = event.username
        identity["arn"] = f"arn:aws:iam::{account}:user/{event.username}"
    elif event.issuer_username is not None:
        identity["arn"] = (
            f"arn:aws:sts::{account}:assumed-role/{event.issuer_username}/{event.username}"
        )
        identity["sessionContext"] = {
            "sessionIssuer": {
                "type": "Role",
                "arn": f"arn:aws:iam::{account}:role/{event.issuer_username}",
                "accountId": account,
                "userName": event.issuer_username,
            }
        }
    return {
        "eventVersion": event.event_version,
        "userIdentity": identity,
        "eventTime": when,
        "eventSource": "ec2.amazonaws.com",
        "eventName": event.event_name,
        "awsRegion": spec.aws.region,
        "requestParameters": {"instancesSet": {"items": [{"instanceId": instance}]}},
        "eventType": "AwsApiCall",
        "recipientAccountId": account,
    }
