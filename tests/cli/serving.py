"""`cadctl serve` in a subprocess: started, waited for (bounded), stopped."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.cli.test_cadctl import CADCTL, CLEAN_ENV

PRODUCTION_SECRETS = {
    "CAD_PD_TOKEN": "prod-pd-token-0123456789",
    "CAD_OCM_CLIENT_SECRET": "prod-ocm-secret-0123456789",
    "CAD_PD_WEBHOOK_SECRETS": "prod-webhook-secret-0123456789",
    "CAD_API_TOKEN": "prod-api-token-0123456789",
}


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Complete settings for `serve` with a SQLite store under ``tmp_path``."""
    return {
        **CLEAN_ENV,
        **PRODUCTION_SECRETS,
        "CAD_SILENT_POLICY": "PSILENT",
        "CAD_OCM_CLIENT_ID": "id",
        "CAD_BACKPLANE_URL": "https://backplane.invalid",
        "CAD_BACKPLANE_INITIAL_ARN": "arn:aws:iam::000000000000:role/initial",
        "CAD_DATABASE_PATH": str(tmp_path / "cad.sqlite"),
        **extra,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    stderr: list[str] = field(default_factory=list)

    def said(self, text: str) -> bool:
        return any(text in line for line in self.stderr)


@contextmanager
def serving(
    *args: str, env: dict[str, str], host: str = "127.0.0.1", cadctl: str = CADCTL
) -> Iterator[Served]:
    """`cadctl serve ARGS` on a free port, once it says it listens (60 s at most); ``cadctl``
    is the executable (default: this environment's)."""
    port = free_port()
    process = subprocess.Popen(
        [cadctl, "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(f"http://{host}:{port}", process)
    assert process.stderr is not None
    reader = threading.Thread(target=lambda: served.stderr.extend(process.stderr or []))
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not served.said("CAD listening") and process.poll() is None:
            assert time.monotonic() < deadline, served.stderr
            time.sleep(0.05)
        assert process.poll() is None, served.stderr
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader.join(timeout=10)
        process.stderr.close()
