"""The investigation config: strict parsing with file, line and key; matching; filters."""

from __future__ import annotations

import random

import pytest

from cad.config.filters import FilterContext, FilterNode
from cad.config.investigation_config import (
    InvestigationConfigError,
    load_default_config,
    parse_config,
)
from cad.investigations.registry import REGISTRY

KNOWN = REGISTRY.names()


def problems(text: str) -> list[str]:
    with pytest.raises(InvestigationConfigError) as caught:
        parse_config(text, "cad.yaml", known=KNOWN)
    return caught.value.problems


def test_the_shipped_config_is_valid_and_routes_chgm_and_cmbb() -> None:
    config = load_default_config(known=KNOWN)
    assert config.match("ClusterHasGoneMissing CRITICAL (1)") is not None
    assert config.match("my-cluster has gone missing") is not None
    monitoring = config.match("ClusterMonitoringErrorBudgetBurnSRE Critical")
    assert monitoring is not None
    assert [e.name for e in monitoring.investigations] == [
        "precheck",
        "clustermonitoringerrorbudgetburn",
    ]
    assert config.shadowed() == []


def test_matching_is_a_case_insensitive_substring_and_the_first_match_wins() -> None:
    config = parse_config(
        """
alerts:
  - alert_title: gone
    investigations: [precheck]
  - alert_title: has gone missing
    investigations: [chgm]
  - alert_title: Experimental
    experimental: true
    investigations: [ccam]
""",
        known=KNOWN,
    )
    match = config.match("X HAS GONE MISSING")
    assert match is not None
    assert match.alert_title == "gone"
    assert config.match("experimental alert") is None
    assert config.match("experimental alert", experimental=True) is not None
    assert config.shadowed() == [
        "alert 'has gone missing' can never match: every title containing it also contains 'gone', which comes first"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "alerts:\n  - alert_title: X\n    investigations: [chgm]\n    colour: blue\n",
            "cad.yaml:4: alerts[0].colour: Extra inputs are not permitted",
        ),
        (
            "alerts:\n  - alert_title: X\n    experimental: maybe\n    investigations: [chgm]\n",
            "cad.yaml:3: alerts[0].experimental: Input should be a valid boolean",
        ),
        (
            "alerts:\n  - alert_title: X\n    investigations: []\n",
            "cad.yaml:3: alerts[0].investigations: List should have at least 1 item",
        ),
        (
            "alerts:\n  - alert_title: X\n    investigations: [nope]\n",
            "cad.yaml:3: alerts[0].investigations[0]: unknown investigation 'nope'",
        ),
        (
            "alerts:\n  - alert_title: X\n    investigations:\n      - name: chgm\n        when: {field: ClusterName, operator: matches, values: ['(']}\n",
            "cad.yaml:5: alerts[0].investigations[0].when: Value error, invalid regular expression '('",
        ),
        (
            "alerts:\n  - alert_title: X\n    when: {field: Colour, operator: in, values: [a]}\n    investigations: [chgm]\n",
            "unknown field 'Colour'",
        ),
        (
            "alerts:\n  - alert_title: X\n    when: {operator: sample, values: ['1.5']}\n    investigations: [chgm]\n",
            "sample rate 1.5 is not between 0 and 1",
        ),
        (
            "alerts:\n  - alert_title: X\n    when: {and: []}\n    investigations: [chgm]\n",
            "needs a non-empty 'and'",
        ),
        (
            "alerts:\n  - alert_title: X\n    investigations: [chgm]\n  - alert_title: X\n    investigations: [chgm]\n",
            "cad.yaml:4: alerts[1].alert_title: duplicate title 'X'",
        ),
        ("alerts: [\n", "cad.yaml:2: not valid YAML"),
        ("filters:\n  - x\n", "cad.yaml:1: filters: Extra inputs are not permitted"),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "empty-chain",
        "unknown-investigation",
        "bad-regex",
        "unknown-field",
        "bad-sample",
        "empty-and",
        "duplicate",
        "not-yaml",
        "old-filters-key",
    ],
)
def test_invalid_configs_name_the_file_line_and_key(text: str, expected: str) -> None:
    found = problems(text)
    assert any(expected in p for p in found), found


def test_filters_evaluate_as_the_originals() -> None:
    ctx = FilterContext({"ClusterName": "prod-1", "HCP": "false", "CloudProvider": "aws"})
    node = FilterNode.model_validate(
        {
            "and": [
                {"field": "HCP", "operator": "in", "values": ["false"]},
                {
                    "or": [
                        {"field": "ClusterName", "operator": "matches", "values": ["^prod"]},
                        {"field": "CloudProvider", "operator": "in", "values": ["gcp"]},
                    ]
                },
            ]
        }
    )
    assert node.evaluate(ctx)[0] is True
    assert node.keys() == {"HCP", "ClusterName", "CloudProvider"}
    notin = FilterNode.model_validate(
        {"field": "ClusterName", "operator": "notin", "values": ["prod-1"]}
    )
    assert notin.evaluate(ctx) == (False, "ClusterName='prod-1' in ['prod-1']")
    empty = FilterNode.model_validate({"field": "OwnerEmail", "operator": "notin", "values": ["x"]})
    assert empty.evaluate(ctx)[0] is True
    sample = FilterNode.model_validate({"operator": "sample", "values": ["0.5"]})
    draws = [sample.evaluate(ctx, random.Random(seed))[0] for seed in range(200)]
    assert 60 < sum(draws) < 140


def test_costly_fields_are_looked_up_only_when_a_filter_reads_them() -> None:
    calls: list[str] = []
    ctx = FilterContext({"HCP": "false"}, {"OwnerEmail": lambda: calls.append("owner") or "o@x"})
    FilterNode.model_validate({"field": "HCP", "operator": "in", "values": ["false"]}).evaluate(ctx)
    assert calls == []
    FilterNode.model_validate(
        {"field": "OwnerEmail", "operator": "in", "values": ["o@x"]}
    ).evaluate(ctx)
    assert calls == ["owner"]
