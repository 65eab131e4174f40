"""Kubernetes label selectors (``matchLabels`` and ``matchExpressions``), evaluated as the
API server evaluates them. Pure: investigations' checks use it on objects they listed."""

from __future__ import annotations

from pydantic import Field

from cad.investigations.framework.errors import InvestigationError
from cad.investigations.framework.kube_models import KubeModel

__all__ = ["LabelSelector", "SelectorError", "SelectorRequirement"]


class SelectorError(InvestigationError):
    """A label selector that cannot be evaluated (an unknown operator, a missing value)."""


class SelectorRequirement(KubeModel):
    """One ``matchExpressions`` entry."""

    key: str = ""
    operator: str = ""
    values: tuple[str, ...] = ()


class LabelSelector(KubeModel):
    """A ``LabelSelector``: ``matchLabels`` and ``matchExpressions``, ANDed (an empty one
    selects everything)."""

    match_labels: dict[str, str] = Field(default_factory=dict, alias="matchLabels")
    match_expressions: tuple[SelectorRequirement, ...] = Field(default=(), alias="matchExpressions")

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether ``labels`` satisfy the selector (:class:`SelectorError` if it is invalid)."""
        for requirement in self.match_expressions:
            if not _requirement_matches(requirement, labels):
                return False
        return all(labels.get(key) == value for key, value in self.match_labels.items())


def _requirement_matches(requirement: SelectorRequirement, labels: dict[str, str]) -> bool:
    operator, key, values = requirement.operator, requirement.key, requirement.values
    if operator in ("In", "NotIn"):
        if not values:
            raise SelectorError(
                f"values: Invalid value: []: for '{operator}' operator, values set can't be empty"
            )
        return (labels.get(key) in values) == (operator == "In")
    if operator in ("Exists", "DoesNotExist"):
        if values:
            raise SelectorError(
                f"values: Invalid value: {list(values)}: "
                "values set must be empty for exists and does not exist"
            )
        return (key in labels) == (operator == "Exists")
    raise SelectorError(f'"{operator}" is not a valid label selector operator')
