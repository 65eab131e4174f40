"""`cadctl worker`: clear refusals when it cannot run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.databases import postgres_database

CADCTL = str(Path(sys.executable).with_name("cadctl"))


def cadctl_worker(database_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAD_")}
    env.update(
        {
            "CAD_DATABASE_URL": database_url,
            "CAD_PD_TOKEN": "t",
            "CAD_SILENT_POLICY": "PSILENT",
            "CAD_OCM_CLIENT_ID": "id",
            "CAD_OCM_CLIENT_SECRET": "very-secret-value",
            "CAD_BACKPLANE_URL": "https://backplane.invalid",
            "CAD_BACKPLANE_INITIAL_ARN": "arn:aws:iam::000000000000:role/initial",
        }
    )
    return subprocess.run(
        [CADCTL, "worker"], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_a_worker_on_sqlite_is_refused_with_what_to_run_instead(tmp_path: Path) -> None:
    done = cadctl_worker(f"sqlite:///{tmp_path / 'cad.sqlite'}")
    assert done.returncode == 2
    assert "cadctl worker needs CAD_DATABASE_URL to be PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_worker_on_a_database_never_upgraded_says_so_without_a_traceback() -> None:
    for url in postgres_database():
        done = cadctl_worker(url)
        assert done.returncode == 1
        assert "has `cadctl db upgrade` run?" in done.stderr
        assert "Traceback" not in done.stderr
        assert "very-secret-value" not in done.stderr


def test_an_unreachable_store_is_named_without_its_password_and_without_a_traceback() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAD_")}
    env["CAD_DATABASE_URL"] = "postgresql://cad:hunter2-secret@127.0.0.1:1/cad"
    done = subprocess.run(
        [CADCTL, "db", "upgrade"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "could not migrate postgresql://cad:***@127.0.0.1:1/cad" in done.stderr
    assert "Connection refused" in done.stderr
    assert "hunter2-secret" not in done.stderr
    assert "Traceback" not in done.stderr
