"""The manifests' command lines, run as the pods run them: the migration job, then the
workers and the receivers with --no-migrate, each with exactly the variables its manifest
gives it (the secrets' values made up, the ConfigMap written where it is mounted), the
listening addresses and ports moved to free loopback ones."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.databases import postgres_database
from tests.deploy.manifests import Manifest, everything, named
from tests.workers import CADCTL

pytestmark = pytest.mark.postgres

MANIFESTS = everything()
FAKE_SECRETS = {
    ("cad-webhook", "CAD_PD_WEBHOOK_SECRETS"): "deploy-webhook-secret",
    ("cad-api-token", "CAD_API_TOKEN"): "deploy-api-token",
    ("cad-ocm-client-secret", "CAD_OCM_CLIENT_ID"): "deploy-client",
    ("cad-ocm-client-secret", "CAD_OCM_CLIENT_SECRET"): "deploy-ocm-secret",
    ("cad-ocm-client-secret", "CAD_OCM_URL"): "https://ocm.invalid",
    ("cad-pd-token", "CAD_PD_TOKEN"): "deploy-pd-token",
    ("cad-pd-token", "CAD_SILENT_POLICY"): "PSILENT",
    ("cad-backplane-secret", "BACKPLANE_URL"): "https://backplane.invalid",
    ("cad-backplane-secret", "BACKPLANE_INITIAL_ARN"): "arn:aws:iam::000000000000:role/x",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _container(kind: str, name: str) -> tuple[Manifest, Manifest]:
    spec = named(MANIFESTS, kind, name)["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    return spec, container


def _environment(
    spec: Manifest, container: Manifest, database_url: str, mounts: Path
) -> dict[str, str]:
    """The container's variables: literal values, secrets from FAKE_SECRETS (the database's
    URL for cad-database), paths under a mounted ConfigMap moved to ``mounts``."""
    configmaps = {
        volume["name"]: named(MANIFESTS, "ConfigMap", volume["configMap"]["name"])
        for volume in spec.get("volumes", [])
        if "configMap" in volume
    }
    moved: dict[str, str] = {}
    for mount in container.get("volumeMounts", []):
        if mount["name"] in configmaps:
            folder = mounts / mount["name"]
            folder.mkdir(parents=True, exist_ok=True)
            for key, text in configmaps[mount["name"]]["data"].items():
                (folder / key).write_text(text)
            moved[mount["mountPath"]] = str(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAD_", "BACKPLANE_"))}
    for variable in container.get("env", []):
        if "value" in variable:
            value = variable["value"]
            for mount_path, folder in moved.items():
                value = value.replace(f"{mount_path}/", f"{folder}/")
            env[variable["name"]] = value
            continue
        ref = variable["valueFrom"]["secretKeyRef"]
        key = (ref["name"], ref["key"])
        env[variable["name"]] = database_url if ref["name"] == "cad-database" else FAKE_SECRETS[key]
    return env


def _relocated(args: list[str], **values: str) -> list[str]:
    """``args`` with the values of the flags named in ``values`` (``--port`` as ``port``)
    replaced."""
    out = list(args)
    for flag, value in values.items():
        option = "--" + flag.replace("_", "-")
        out[out.index(option) + 1] = value
    return out


@contextmanager
def _running(args: list[str], env: dict[str, str], ready: str) -> Iterator[list[str]]:
    process = subprocess.Popen(
        [CADCTL, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or []))
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not any(ready in line for line in lines):
            assert process.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.05)
        yield lines
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


@pytest.fixture
def migrated(tmp_path: Path) -> Iterator[str]:
    """A new PostgreSQL database the migration job's command line has migrated."""
    for url in postgres_database():
        job = named(MANIFESTS, "Job", "cad-db-upgrade")["spec"]["template"]["spec"]
        (container,) = job["containers"]
        done = subprocess.run(
            [CADCTL, *container["args"]],
            env=_environment(job, container, url, tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        yield url


def test_the_worker_starts_on_the_migrated_database_and_its_liveness_port_answers(
    migrated: str, tmp_path: Path
) -> None:
    spec, container = _container("Deployment", "cad-worker")
    port = _free_port()
    args = _relocated(container["args"], metrics_port=str(port), metrics_address="127.0.0.1")
    env = _environment(spec, container, migrated, tmp_path)
    with _running(args, env, ready="CAD worker"):
        deadline = time.monotonic() + 30
        while True:
            try:
                scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    assert "cad_runs_total" in scraped


def test_the_receiver_starts_with_only_its_secrets_and_answers_its_probes(
    migrated: str, tmp_path: Path
) -> None:
    spec, container = _container("Deployment", "cad-receiver")
    port = _free_port()
    args = _relocated(container["args"], host="127.0.0.1", port=str(port))
    env = _environment(spec, container, migrated, tmp_path)
    with _running(args, env, ready="CAD listening"):
        for probe in ("readinessProbe", "livenessProbe"):
            path: Any = container[probe]["httpGet"]["path"]
            answer = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10)
            assert answer.status_code == 200, (probe, answer.text)
