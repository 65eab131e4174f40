"""The original's config files (its documented example and its end-to-end test config,
kept verbatim in tests/fixtures/original) load and validate unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from cad.config.investigation_config import (
    ORIGINAL_INVESTIGATIONS,
    InvestigationConfigError,
    load_config,
    parse_config,
)
from cad.investigations.registry import REGISTRY
from tests.cli.test_cadctl import cadctl

ORIGINAL = Path(__file__).resolve().parents[1] / "fixtures" / "original"
FILES = ["investigation-config.example.yaml", "e2e-investigation-config.yaml"]


def _named(path: Path) -> set[str]:
    config = load_config(path, known=REGISTRY.names())
    return {entry.name for alert in config.alerts for entry in alert.investigations}


@pytest.mark.parametrize("name", FILES)
def test_the_originals_config_file_loads_unchanged(name: str) -> None:
    config = load_config(ORIGINAL / name, known=REGISTRY.names())
    assert len(config.alerts) >= 10
    assert _named(ORIGINAL / name) <= ORIGINAL_INVESTIGATIONS


@pytest.mark.parametrize("name", FILES)
def test_investigations_of_the_original_that_cad_lacks_are_warned_about(name: str) -> None:
    config = load_config(ORIGINAL / name, known=REGISTRY.names())
    lacking = _named(ORIGINAL / name) - set(REGISTRY.names())
    warned = {
        name
        for name in ORIGINAL_INVESTIGATIONS
        if any(
            f"investigation {name!r} is the original's" in w
            for w in config.warnings(REGISTRY.names())
        )
    }
    assert warned == lacking


def test_the_originals_example_routes_as_it_documents() -> None:
    config = load_config(ORIGINAL / FILES[0], known=REGISTRY.names())
    chgm = config.match("cluster my-cluster has gone missing")
    assert chgm is not None
    assert chgm.display_name == "chgm"
    assert [e.name for e in chgm.investigations] == ["precheck", "ccam", "chgm", "mustgather"]
    assert chgm.investigations[-1].when is not None  # a 10 % sample


def test_a_name_the_original_does_not_know_is_still_refused() -> None:
    text = "alerts: [{alert_title: X, investigations: [precheck, nosuchinvestigation]}]"
    with pytest.raises(
        InvestigationConfigError, match="unknown investigation 'nosuchinvestigation'"
    ):
        parse_config(text, "t.yaml", known=REGISTRY.names())


@pytest.mark.parametrize("name", FILES)
def test_cadctl_config_validate_accepts_the_originals_file(name: str) -> None:
    done = cadctl("config", "validate", str(ORIGINAL / name))
    assert done.returncode == 0, done.stderr
    assert "valid (" in done.stdout
    lacking = _named(ORIGINAL / name) - set(REGISTRY.names())
    for missing in lacking:
        assert f"investigation {missing!r} is the original's" in done.stderr
