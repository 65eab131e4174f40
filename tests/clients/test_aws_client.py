"""AWS: backplane's role chain into the customer's account (moto), EC2 instances by state,
CloudTrail LookupEvents with paging, stop times from StateTransitionReason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cad.clients.aws import AwsClient
from cad.clients.factory import Clients
from cad.clients.models import parse_stop_time
from cad.errors import ForbiddenError, RateLimitedError, ServerError
from cad.simulators.sandbox import Sandbox
from cad.simulators.world import AwsSpec, CloudTrailEventSpec, ClusterSpec, InstanceSpec, WorldSpec

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def world(**aws: object) -> WorldSpec:
    return WorldSpec(
        now=NOW, clusters=[ClusterSpec(id="c1", name="my-cluster", aws=AwsSpec(**aws))]
    )  # type: ignore[arg-type]


@pytest.fixture
def aws(sandbox: Sandbox, clients: Clients) -> Iterator[AwsClient]:
    sandbox.add_cluster(ClusterSpec(id="c1", name="my-cluster"))  # the account must exist first
    client = clients.aws_client("c1", "us-east-1")
    yield client
    client.close()


def test_instances_are_found_by_infra_id_tag_and_state_in_the_customer_account(
    sandbox: Sandbox, clients: Clients
) -> None:
    states = ["running", "pending", "stopped", "stopping", "terminated", "shutting-down"]
    sandbox.seed(
        world(
            instances=[
                InstanceSpec(id=f"i-{s}", name=f"my-cluster-x7k2p-{s}", state=s, stopped_at="-40m")
                for s in states
            ]
        )
    )  # type: ignore[arg-type]
    client = clients.aws_client("c1", "us-east-1")
    running = {i.name.rsplit("-", 1)[-1] for i in client.list_running_instances("my-cluster-x7k2p")}
    stopped = {i.state for i in client.list_non_running_instances("my-cluster-x7k2p")}
    assert running == {"running", "pending"}
    assert stopped == {"stopped", "stopping", "terminated", "shutting-down"}
    assert client.list_running_instances("other-cluster") == []
    stopped_one = next(
        i for i in client.list_non_running_instances("my-cluster-x7k2p") if i.state == "stopped"
    )
    assert stopped_one.stopped_at == NOW - timedelta(minutes=40)
    client.close()


def test_the_default_account_does_not_see_the_customers_instances(sandbox: Sandbox) -> None:
    sandbox.seed(world(instances=[InstanceSpec(id="i-1", state="running")]))
    from cad.clients.aws import AwsCredentials

    outsider = AwsClient(
        AwsCredentials(
            access_key_id="testing",
            secret_access_key="testing",
            session_token="x",
            region="us-east-1",
        ),
        endpoint_url=sandbox.aws.url,
    )
    assert outsider.list_running_instances("my-cluster-x7k2p") == []
    outsider.close()


def test_cloudtrail_events_are_read_across_pages_and_filtered_by_time(
    sandbox: Sandbox, aws: AwsClient
) -> None:
    events = [
        CloudTrailEventSpec(
            instance_id=f"i-{n}", time=f"-{n + 1}m", username=f"user{n}", event_name="StopInstances"
        )
        for n in range(120)
    ] + [
        CloudTrailEventSpec(
            instance_id="i-t", time="-5m", event_name="TerminateInstances", username="t"
        )
    ]
    old = [CloudTrailEventSpec(instance_id="i-old", time="-3h", username="old")]
    sandbox.clock.set(NOW)
    for event in events + old:
        sandbox.aws.add_event(ClusterSpec(id="c1"), event)
    found = aws.lookup_stop_events(NOW - timedelta(hours=2), NOW)
    assert len(found) == 121
    assert {e.event_name for e in found} == {"StopInstances", "TerminateInstances"}
    assert (
        sandbox.aws.lookups >= 4
    )  # 120 stop events need three pages of 50, plus one terminate lookup
    assert all("eventVersion" in e.cloudtrail_event for e in found)


def test_a_lookup_sees_only_its_own_accounts_events_as_cloudtrails_does(
    sandbox: Sandbox, aws: AwsClient
) -> None:
    # Given 120 stop events in a neighbouring customer's account, and one in ours
    sandbox.clock.set(NOW)
    neighbour = ClusterSpec(id="c2", name="neighbour")
    sandbox.add_cluster(neighbour)
    assert neighbour.account_id() != ClusterSpec(id="c1").account_id()
    for n in range(120):
        sandbox.aws.add_event(
            neighbour, CloudTrailEventSpec(instance_id=f"i-{n}", time=f"-{n + 1}m", username="x")
        )
    sandbox.aws.add_event(
        ClusterSpec(id="c1"), CloudTrailEventSpec(instance_id="i-ours", time="-1m", username="me")
    )
    lookups = sandbox.aws.lookups
    # When our client looks up stop events
    found = aws.lookup_stop_events(NOW - timedelta(hours=2), NOW)
    # Then it sees our event only, in one page per event name (no neighbour's pages)
    assert [e.username for e in found] == ["me"]
    assert sandbox.aws.lookups - lookups == 2


def test_a_verbatim_cloudtrail_record_is_served_as_given(sandbox: Sandbox, aws: AwsClient) -> None:
    sandbox.clock.set(NOW)
    sandbox.aws.add_event(
        ClusterSpec(id="c1"), CloudTrailEventSpec(instance_id="i-1", time="-1m", raw="{")
    )
    [event] = aws.lookup_stop_events(NOW - timedelta(hours=1), NOW)
    assert event.cloudtrail_event == "{"


def test_a_broken_credential_chain_is_an_error_carrying_backplanes_message(
    sandbox: Sandbox, clients: Clients
) -> None:
    message = (
        "could not assume support role in customer's account: "
        "operation error STS: AssumeRole, AccessDenied: denied"
    )
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1", aws_access_error=message)]))
    with pytest.raises(ForbiddenError) as caught:
        clients.aws_client("c1", "us-east-1")
    assert message in str(caught.value)


def test_aws_faults_surface_as_the_right_error_types(sandbox: Sandbox, aws: AwsClient) -> None:
    sandbox.inject("aws", path="/LookupEvents", status=503, times=1)
    with pytest.raises(ServerError):
        aws.lookup_stop_events(NOW - timedelta(hours=1), NOW)
    sandbox.inject("aws", path="/DescribeInstances", status=429, times=1)
    with pytest.raises(RateLimitedError):
        aws.list_running_instances("x")


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("User initiated (2026-11-29 09:42:07 GMT)", datetime(2026, 11, 29, 9, 42, 7, tzinfo=UTC)),
        ("User initiated (2026-11-29 09:42:07 UTC)", datetime(2026, 11, 29, 9, 42, 7, tzinfo=UTC)),
        ("User initiated (2026-11-29 01:42:07 PST)", datetime(2026, 11, 29, 9, 42, 7, tzinfo=UTC)),
        ("User initiated (2026-11-29 10:42:07 CET)", datetime(2026, 11, 29, 9, 42, 7, tzinfo=UTC)),
        ("", None),
        ("Server.SpotInstanceTermination", None),
    ],
)
def test_the_stop_time_is_read_whatever_the_zone_abbreviation(
    reason: str, expected: datetime | None
) -> None:
    assert parse_stop_time(reason) == expected
