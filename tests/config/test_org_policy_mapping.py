"""CAD_ORG_POLICY_MAPPING: the original's JSON, checked at start."""

from __future__ import annotations

import json

import pytest

from cad.config.settings import InvalidSettingsError, load_settings

ORIGINAL_README_EXAMPLE = {
    "organizations": [
        {
            "name": "Customer Alpha",
            "org_ids": ["org-id-1", "org-id-2"],
            "escalation_policy": "P123ABC",
        },
        {"name": "Customer Beta", "org_ids": ["org-id-3"], "escalation_policy": "P456DEF"},
    ]
}


def test_the_originals_example_maps_each_organization_id_to_its_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAD_ORG_POLICY_MAPPING", json.dumps(ORIGINAL_README_EXAMPLE))
    mapping = load_settings().org_policy_mapping
    found = mapping.policy_for("org-id-2")
    assert found is not None
    assert (found.organization, found.policy) == ("Customer Alpha", "P123ABC")
    beta = mapping.policy_for("org-id-3")
    assert beta is not None
    assert beta.policy == "P456DEF"
    assert mapping.policy_for("org-id-4") is None
    assert mapping.policy_for("") is None


@pytest.mark.parametrize("value", ["", "  ", '{"organizations": []}'])
def test_an_empty_mapping_routes_nothing(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CAD_ORG_POLICY_MAPPING", value)
    assert not load_settings().org_policy_mapping


def test_no_mapping_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAD_ORG_POLICY_MAPPING", raising=False)
    assert not load_settings().org_policy_mapping


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("{not json", "not JSON"),
        ('{"organisations": []}', "organisations"),
        ('{"organizations": [{"org_ids": ["o1"], "escalation_policy": ""}]}', "escalation_policy"),
        ('{"organizations": [{"org_ids": [], "escalation_policy": "P1"}]}', "org_ids"),
        ('{"organizations": [{"org_ids": [""], "escalation_policy": "P1"}]}', "id is empty"),
        (
            '{"organizations": [{"org_ids": ["o1"], "escalation_policy": "P1"},'
            ' {"org_ids": ["o1"], "escalation_policy": "P2"}]}',
            "mapped to two policies",
        ),
    ],
)
def test_an_invalid_mapping_stops_cad_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    # The original treats a mapping it cannot read as empty: routing silently stops.
    monkeypatch.setenv("CAD_ORG_POLICY_MAPPING", value)
    with pytest.raises(InvalidSettingsError) as raised:
        load_settings()
    assert "CAD_ORG_POLICY_MAPPING" in str(raised.value)
    assert problem in str(raised.value)
