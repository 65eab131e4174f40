"""Sandbox start-up and shutdown (goal: start under 5 s)."""

from __future__ import annotations

import time

from cad.simulators.sandbox import Sandbox
from cad.simulators.world import AwsSpec, ClusterSpec, InstanceSpec, WorldSpec


def main() -> None:
    started = time.perf_counter()
    sandbox = Sandbox().start()
    up = time.perf_counter() - started
    started = time.perf_counter()
    instances = [InstanceSpec(id="i-1", state="stopped", stopped_at="-40m")]
    sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1", aws=AwsSpec(instances=instances))]))
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    sandbox.close()
    down = time.perf_counter() - started
    print("Sandbox (OCM, PagerDuty over TLS, backplane + Kubernetes, AWS)")
    print(f"  start {up:5.2f} s (goal < 5 s)   first seed with an EC2 instance {seeded:5.2f} s")
    print(f"  close {down:5.2f} s")


if __name__ == "__main__":
    main()
