"""The sandbox starts everything, shuts down cleanly and leaks neither threads nor ports."""

from __future__ import annotations

import socket
import threading

import pytest

from cad.simulators.sandbox import Sandbox
from cad.simulators.world import WorldSpec


def refuses(url: str) -> bool:
    host, port = url.split("//")[1].split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) != 0


def test_a_sandbox_closes_every_port_and_thread_it_opened() -> None:
    before = {t.ident for t in threading.enumerate()}
    sandbox = Sandbox().start()
    urls = [sandbox.ocm_url, sandbox.pagerduty_url, sandbox.backplane_url, sandbox.aws.url]
    assert not any(refuses(url) for url in urls)
    settings = sandbox.settings()
    assert settings.ocm_url == sandbox.ocm_url
    assert settings.pd_ca_bundle == str(sandbox.cert_path)
    sandbox.close()
    assert all(refuses(url) for url in urls)
    leaked = [t.name for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert leaked == []
    assert not sandbox.cert_path.exists()


def test_an_unknown_fault_system_is_refused_with_the_valid_names(running_sandbox: Sandbox) -> None:
    with pytest.raises(
        ValueError, match="expected one of ocm, pagerduty, backplane, aws, kubernetes"
    ):
        running_sandbox.faults("dns")


def test_malformed_world_data_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"clusters\.0\.aws\.instances\.0\.stopped_at"):
        WorldSpec.model_validate(
            {
                "clusters": [
                    {"id": "c1", "aws": {"instances": [{"id": "i-1", "stopped_at": "yesterday"}]}}
                ]
            }
        )
    with pytest.raises(ValueError, match=r"clusters\.0\.colour"):
        WorldSpec.model_validate({"clusters": [{"id": "c1", "colour": "blue"}]})


def test_a_new_sandbox_does_not_see_instances_an_earlier_sandbox_left_in_moto() -> None:
    from moto.backends import get_backend

    world = {"clusters": [{"id": "c1", "aws": {"instances": [{"id": "i-1", "state": "stopped"}]}}]}
    with Sandbox() as first:
        first.seed(world)
    with Sandbox() as second:
        second.seed(world)
        spec = WorldSpec.model_validate(world).clusters[0]
        ec2 = get_backend("ec2")[spec.account_id()][spec.aws.region]
        assert [i.id for i in ec2.all_instances()] == [second.aws.instance_ids[("c1", "i-1")]]
