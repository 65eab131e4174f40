"""Investigation config files that cannot be used are refused at once, with a message."""

from __future__ import annotations

import time
from pathlib import Path

from tests.cli.test_cadctl import cadctl

BOMB = "\n".join(
    [
        "a: &a [x, x, x, x, x, x, x, x, x]",
        *(
            f"{chr(ord('a') + i + 1)}: &{chr(ord('a') + i + 1)} "
            + "["
            + ", ".join([f"*{chr(ord('a') + i)}"] * 9)
            + "]"
            for i in range(9)
        ),
        "alerts: *j",
    ]
)


def refused(file: Path) -> str:
    started = time.monotonic()
    done = cadctl("config", "validate", str(file))
    assert time.monotonic() - started < 30
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: {file}:")
    return line


def test_a_config_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "latin1.yaml"
    file.write_bytes("alerts:\n  - alert_title: Zürich\n".encode("latin-1"))
    assert "not UTF-8 text" in refused(file)


def test_a_self_referencing_alias_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "loop.yaml"
    file.write_text("alerts: &loop\n  - *loop\n")
    assert "YAML aliases are not allowed" in refused(file)


def test_an_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    # Given nine levels of nine aliases each (a billion-element list once expanded)
    file = tmp_path / "bomb.yaml"
    file.write_text(BOMB)
    # Then it is refused at the first alias, in seconds and without a traceback
    assert "YAML aliases are not allowed" in refused(file)


def test_an_oversized_config_file_is_refused_without_being_read(tmp_path: Path) -> None:
    file = tmp_path / "huge.yaml"
    file.write_text("alerts: []\n" + "# padding\n" * 200_000)
    assert "larger than 1 MiB" in refused(file)


def test_an_empty_config_is_valid_but_warns_that_every_incident_will_be_escalated(
    tmp_path: Path,
) -> None:
    file = tmp_path / "empty.yaml"
    file.write_text("")
    done = cadctl("config", "validate", str(file))
    assert done.returncode == 0
    assert f"warning: {file}: no alerts" in done.stderr
