"""Every ``/metrics`` of CAD (the receiver's, a worker's) serves the process and Python
collectors and ``cad_build_info{version,revision}`` besides CAD's own counters."""

from __future__ import annotations

import signal
import subprocess
import time
from importlib.metadata import version
from pathlib import Path

import httpx

from cad.store import upgrade
from tests.cli.serving import free_port, production_env, serving
from tests.cli.test_cadctl import cadctl
from tests.databases import postgres_database
from tests.service.test_worker_cli import worker_env
from tests.workers import CADCTL

REVISION = "0123abc"
STANDARD = (
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
    "process_open_fds",
    "python_info{",
    "python_gc_collections_total",
)


def build_info() -> str:
    return f'cad_build_info{{revision="{REVISION}",version="{version("cad")}"}} 1.0'


def test_the_receivers_metrics_name_the_build_and_the_process(tmp_path: Path) -> None:
    env = production_env(tmp_path, CAD_BUILD_REVISION=REVISION)
    with serving(env=env) as served:
        scraped = httpx.get(f"{served.url}/metrics", timeout=10).text
    assert build_info() in scraped
    for name in (*STANDARD, "cad_webhook_deliveries_total", "cad_runs_total"):
        assert name in scraped, name


def test_without_a_revision_the_build_says_unknown(tmp_path: Path) -> None:
    with serving(env=production_env(tmp_path)) as served:
        scraped = httpx.get(f"{served.url}/metrics", timeout=10).text
    assert f'cad_build_info{{revision="unknown",version="{version("cad")}"}} 1.0' in scraped


def test_a_revision_that_is_not_a_plain_word_is_refused_naming_the_variable(
    tmp_path: Path,
) -> None:
    done = cadctl("serve", env=production_env(tmp_path, CAD_BUILD_REVISION="abc def"))
    assert done.returncode == 2
    assert "CAD_BUILD_REVISION" in done.stderr


def test_a_workers_metrics_name_the_build_and_the_process() -> None:
    for url in postgres_database():
        upgrade(url)
        port = free_port()
        worker = subprocess.Popen(
            [CADCTL, "worker", "--metrics-port", str(port)],
            env=worker_env(url, CAD_BUILD_REVISION=REVISION),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            scraped, deadline = "", time.monotonic() + 30
            while time.monotonic() < deadline and "cad_build_info" not in scraped:
                try:
                    scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
                except httpx.TransportError:
                    time.sleep(0.2)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        assert build_info() in scraped
        for name in (*STANDARD, "cad_actions_total", "cad_fleet_budget_refused_total"):
            assert name in scraped, name
