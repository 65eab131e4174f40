"""An action type is one class: defined here, with no edit anywhere else, it is validated,
planned, applied, reported, encoded and decoded, and counted."""

from __future__ import annotations

from typing import ClassVar, Literal

import pytest

from cad.actions import (
    Action,
    ActionTarget,
    EffectMetric,
    Lane,
    action_class,
    action_from_json,
    action_to_json,
    actions_from_json,
    actions_to_json,
    note,
)
from cad.domain import Stage
from cad.errors import ActionValidationError
from cad.executor import ExecutionOptions, Executor, ExecutorMetrics, Outcome, validate_actions
from cad.testing import FakePagerDuty

from .conftest import CLUSTER, INCIDENT, ContextFactory

labels_written: list[tuple[str, str]] = []
"""The system the new action writes to: (cluster id, label) pairs."""


class LabelCluster(Action):
    """Put a label on the cluster (a customer-facing write, withheld in the informing stage)."""

    type: Literal["label_cluster"] = "label_cluster"
    label_text: str

    lane: ClassVar[Lane] = Lane.OCM
    label: ClassVar[str] = "Cluster label"
    short_label: ClassVar[str] = "label"
    restricted: ClassVar[bool] = True
    effect_metric: ClassVar[EffectMetric | None] = EffectMetric(
        "cad_cluster_labels_set_total", "Labels set on clusters", ("label_text",)
    )

    def problems(self) -> list[str]:
        return [] if self.label_text.strip() else ["the label is empty"]

    def describe(self) -> str:
        return f"label the cluster '{self.label_text}'"

    def metric_labels(self) -> dict[str, str]:
        return {"label_text": self.label_text}

    def apply(self, target: ActionTarget) -> str | None:
        labels_written.append((target.require_cluster().id, self.label_text))
        return f"Labelled the cluster '{self.label_text}'"


@pytest.fixture(autouse=True)
def _empty_labels() -> None:
    labels_written.clear()


def test_the_new_type_is_known_by_its_type_string_and_round_trips_through_json() -> None:
    # Given the class above, defined in this module only
    action = LabelCluster(label_text="hibernating")
    # Then it is registered under its type string
    assert action_class("label_cluster") is LabelCluster
    # And it round-trips alone and in a list with the built-in types
    assert action_from_json(action_to_json(action)) == action
    mixed = [action, note("n")]
    assert actions_from_json(actions_to_json(mixed)) == mixed


def test_an_invalid_action_of_the_new_type_is_refused_before_anything_runs() -> None:
    # When an empty label is validated, then it is refused with its own problem
    with pytest.raises(ActionValidationError, match="the label is empty"):
        validate_actions([LabelCluster(label_text=" ")])


def test_the_new_type_is_applied_reported_and_counted(
    executor: Executor,
    context: ContextFactory,
    metrics: ExecutorMetrics,
    pagerduty: FakePagerDuty,
) -> None:
    # When the new action and a note are executed live
    report = executor.execute([LabelCluster(label_text="hibernating"), note("Looked.")], context())
    # Then the label was written, reported and its line added to the note
    assert labels_written == [(CLUSTER.id, "hibernating")]
    assert report.outcomes() == [
        ("label_cluster", Outcome.SUCCEEDED),
        ("pagerduty_note", Outcome.SUCCEEDED),
    ]
    assert report.records[0].description == "label the cluster 'hibernating'"
    assert "Labelled the cluster 'hibernating'" in pagerduty.incidents[INCIDENT.id].notes[0]
    # And counted by the generic metrics and by its own effect counter

    def sample(name: str, **labels: str) -> float | None:
        return metrics.registry.get_sample_value(name, labels)

    assert sample("cad_actions_total", type="label_cluster", outcome="succeeded") == 1
    assert (
        sample(
            "cad_cluster_labels_set_total",
            alert_type="ClusterHasGoneMissing",
            investigation="chgm",
            label_text="hibernating",
        )
        == 1
    )


def test_the_new_type_is_planned_like_the_others_in_the_informing_stage(
    executor: Executor, context: ContextFactory, pagerduty: FakePagerDuty
) -> None:
    # When the new (restricted) action is executed in the informing stage
    report = executor.execute(
        [LabelCluster(label_text="hibernating")],
        context(),
        ExecutionOptions(stage=Stage.INFORMING),
    )
    # Then it is withheld, the note says what would have been done, and an SRE is paged
    assert labels_written == []
    assert report.outcomes() == [
        ("label_cluster", Outcome.REPLACED),
        ("pagerduty_note", Outcome.SUCCEEDED),
        ("escalate_incident", Outcome.SUCCEEDED),
    ]
    [content] = pagerduty.incidents[INCIDENT.id].notes
    assert "would have done label the cluster 'hibernating'" in content


def test_a_type_string_is_taken_once_and_a_type_says_how_it_is_named() -> None:
    # When another class claims the new type's string, then it is refused
    with pytest.raises(TypeError, match="'label_cluster' is taken by LabelCluster"):

        class Impostor(Action):
            type: Literal["label_cluster"] = "label_cluster"
            lane: ClassVar[Lane] = Lane.OCM
            label: ClassVar[str] = "Impostor"
            short_label: ClassVar[str] = "imp"

    # And a class that does not say how tables name it is refused too
    with pytest.raises(TypeError, match="must set short_label"):

        class Unnamed(Action):
            type: Literal["unnamed_action"] = "unnamed_action"
            lane: ClassVar[Lane] = Lane.OCM
            label: ClassVar[str] = "Unnamed"

    assert action_class("unnamed_action") is None
