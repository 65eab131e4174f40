"""The shipped library covers every outcome of clusterhealthcheck (see its README)."""

from __future__ import annotations

from cad.scenarios.model import load_library


def test_the_library_covers_every_outcome_of_clusterhealthcheck() -> None:
    names = {s.name for s in load_library()}
    required = {
        "healthcheck-healthy",
        "healthcheck-warnings",
        "healthcheck-cluster-api-unavailable",
        "healthcheck-hcp",
    }
    assert required <= names, required - names
    manual = {s.name: s.run.investigation for s in load_library() if s.name in required}
    assert set(manual.values()) == {"clusterhealthcheck"}
