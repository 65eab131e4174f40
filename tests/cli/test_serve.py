"""`cadctl serve` and `cadctl history`: clear refusals, and who may read the history."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from tests.cli.serving import production_env, serving
from tests.cli.test_cadctl import cadctl
from tests.databases import postgres_database


def test_a_port_out_of_range_is_refused_naming_the_option(tmp_path: Path) -> None:
    done = cadctl("serve", "--port", "99999", env=production_env(tmp_path))
    assert done.returncode == 2
    assert "--port" in done.stderr
    assert "Invalid value for '--port': Input should be less than or equal to 65535" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_port_already_in_use_is_named_before_anything_says_it_listens(tmp_path: Path) -> None:
    # Given another process listening on the port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # When CAD is told to listen there
        done = cadctl("serve", "--port", str(port), env=production_env(tmp_path))
    # Then it stops with one line naming the address and the cause, and never said it listens
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


def test_history_of_a_sqlite_file_never_migrated_says_what_to_run(tmp_path: Path) -> None:
    done = cadctl("history", env=production_env(tmp_path))
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: the database at sqlite:///")
    assert line.endswith("has no CAD schema yet: run `cadctl db upgrade`")


def test_history_of_a_postgresql_database_never_migrated_says_what_to_run(tmp_path: Path) -> None:
    for url in postgres_database():
        done = cadctl("history", env=production_env(tmp_path, CAD_DATABASE_URL=url))
        assert done.returncode == 1
        assert "has no CAD schema yet: run `cadctl db upgrade`" in done.stderr
        assert "Traceback" not in done.stderr


def test_on_loopback_without_a_token_history_is_served_and_a_warning_says_so(
    tmp_path: Path,
) -> None:
    env = production_env(tmp_path)
    del env["CAD_API_TOKEN"]
    with serving(env=env) as served:
        assert httpx.get(f"{served.url}/runs", timeout=10).json() == {"runs": []}
    assert served.said("warning: CAD_API_TOKEN is not set: GET /runs serves the history")


def test_beyond_loopback_without_a_token_history_is_closed(tmp_path: Path) -> None:
    # Given serve listening on every interface, without CAD_API_TOKEN
    env = production_env(tmp_path, CAD_LISTEN_ADDRESS="0.0.0.0")  # noqa: S104  # the point
    del env["CAD_API_TOKEN"]
    with serving(env=env) as served:
        # Then the history answers 401 to everyone, and the webhook endpoint still works
        assert httpx.get(f"{served.url}/runs", timeout=10).status_code == 401
        assert httpx.get(f"{served.url}/runs/1", timeout=10).status_code == 401
        assert httpx.get(f"{served.url}/healthz", timeout=10).status_code == 200
    assert served.said("GET /runs answers 401 to everyone")
    assert served.said("CAD listening on http://0.0.0.0:")


def test_serve_listens_on_loopback_unless_told_otherwise(tmp_path: Path) -> None:
    # Given serve started with its defaults
    with serving(env=production_env(tmp_path)) as served:
        port = served.url.rsplit(":", 1)[1]
        # Then it answers on 127.0.0.1 and not on another loopback address (0.0.0.0 would)
        assert httpx.get(f"{served.url}/healthz", timeout=10).status_code == 200
        try:
            httpx.get(f"http://127.0.0.2:{port}/healthz", timeout=5)
            reached = True
        except httpx.ConnectError:
            reached = False
        assert not reached
    # And --host chooses the address
    with serving("--host", "127.0.0.2", env=production_env(tmp_path), host="127.0.0.2") as other:
        assert httpx.get(f"{other.url}/healthz", timeout=10).status_code == 200


def test_the_api_docs_exist_only_when_asked_for(tmp_path: Path) -> None:
    with serving(env=production_env(tmp_path)) as served:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert httpx.get(f"{served.url}{path}", timeout=10).status_code == 404
    with serving(env=production_env(tmp_path, CAD_API_DOCS="true")) as served:
        assert httpx.get(f"{served.url}/docs", timeout=10).status_code == 200
        assert "/webhooks/pagerduty" in httpx.get(f"{served.url}/openapi.json", timeout=10).text
