"""The action contract: what every effect knows about itself.

An action is a frozen, keyword-only record of one effect on an external system. It knows
its lane, validates itself, describes itself in one line, gives a dedupe key that is stable
across processes, checks whether its effect already exists (``probe``) and applies itself
(``apply``) against an :class:`ActionTarget`. The executor calls these methods and never
switches on the action's type, so adding an action touches one file.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from cad.actions.notes import Amendment
from cad.clients.writers import (
    BackplaneWriter,
    KubeWriter,
    OcmWriter,
    PagerDutyWriter,
    SftpWriter,
)
from cad.domain import ClusterRef, IncidentRef
from cad.errors import CADError

__all__ = [
    "Action",
    "ActionTarget",
    "EffectMetric",
    "Lane",
    "TargetUnavailableError",
    "action_class",
    "action_classes",
]


class Lane(StrEnum):
    """Where an action writes. ``ocm``, ``backplane``, ``sftp`` and ``kubernetes`` run first,
    concurrently;
    ``pagerduty`` runs after them, in order."""

    OCM = "ocm"
    BACKPLANE = "backplane"
    SFTP = "sftp"
    KUBERNETES = "kubernetes"
    PAGERDUTY = "pagerduty"


class TargetUnavailableError(CADError):
    """The execution lacks what an action needs (a cluster, an incident, a client)."""


@dataclass(frozen=True)
class ActionTarget:
    """What an action may touch when it is applied: handed to it by the executor."""

    cluster: ClusterRef | None = None
    incident: IncidentRef | None = None
    ocm: OcmWriter | None = None
    pagerduty: PagerDutyWriter | None = None
    backplane: BackplaneWriter | None = None
    sftp: SftpWriter | None = None
    kube: KubeWriter | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())
    service_log_window: timedelta = timedelta(days=7)
    note_amendments: Callable[[], list[Amendment]] = field(default=list)
    reconcile: bool = False  # an interrupted attempt may have applied effects it never recorded
    run: str = ""
    """The run's stable name (ledger scope and investigation): the same in every attempt and
    every re-execution of a delivery, so the marker it puts in a note can be found again."""
    facts: dict[str, str] = field(default_factory=dict)
    """What the action learned while applying, recorded with its effect (the policy a silence
    replaced). Each step gets its own dict."""
    recall: Callable[[str, str], str | None] = field(default=lambda _type, _name: None)
    """``recall(action_type, name)``: a fact recorded with an earlier effect of that type in
    this scope (this run or an earlier one), or ``None``."""
    clock: Callable[[], float] = field(default=time.monotonic)
    """A monotonic clock, for an action that waits (a Job running to completion)."""
    sleep: Callable[[float], None] = field(default=time.sleep)
    """How such an action waits between looks (the executor's: virtual in tests)."""
    time_left: Callable[[], float] = field(default=lambda: math.inf)
    """Seconds before the execution's deadline: no wait of an action may cross it."""

    def require_cluster(self) -> ClusterRef:
        """The cluster, or a clear error if the execution has none."""
        if self.cluster is None:
            raise TargetUnavailableError("this action needs a cluster and the execution has none")
        return self.cluster

    def require_incident(self) -> IncidentRef:
        """The incident, or a clear error if the execution has none."""
        if self.incident is None:
            raise TargetUnavailableError("this action needs an incident and the execution has none")
        return self.incident

    def require_ocm(self) -> OcmWriter:
        """The OCM write client, or a clear error."""
        if self.ocm is None:
            raise TargetUnavailableError("no OCM client was given to the executor")
        return self.ocm

    def require_pagerduty(self) -> PagerDutyWriter:
        """The PagerDuty write client, or a clear error."""
        if self.pagerduty is None:
            raise TargetUnavailableError("no PagerDuty client was given to the executor")
        return self.pagerduty

    def require_sftp(self) -> SftpWriter:
        """The SFTP upload client, or a clear error."""
        if self.sftp is None:
            raise TargetUnavailableError("no SFTP client was given to the executor")
        return self.sftp

    def require_backplane(self) -> BackplaneWriter:
        """The backplane write client, or a clear error."""
        if self.backplane is None:
            raise TargetUnavailableError("no backplane client was given to the executor")
        return self.backplane

    def require_kube(self) -> KubeWriter:
        """The Kubernetes write client, or a clear error."""
        if self.kube is None:
            raise TargetUnavailableError("no Kubernetes write client was given to the executor")
        return self.kube


@dataclass(frozen=True)
class EffectMetric:
    """A Prometheus counter of an action type's real effects (not dry runs, not duplicates),
    labelled with ``alert_type`` (the alert's name), ``investigation`` and the action's
    ``metric_labels()``."""

    name: str
    documentation: str
    labels: tuple[str, ...] = ()


_REGISTRY: dict[str, type[Action]] = {}


def action_classes() -> tuple[type[Action], ...]:
    """Every action class defined so far, in the order they were defined."""
    return tuple(_REGISTRY.values())


def action_class(action_type: str) -> type[Action] | None:
    """The action class whose ``type`` is ``action_type``, or ``None``."""
    return _REGISTRY.get(action_type)


class Action(BaseModel):
    """Base of every action. Subclasses set ``type`` (a Literal field with its default),
    ``lane``, ``label`` and ``short_label``; defining the class registers it (codec, metrics,
    budget, the CLI's tables find it by its ``type``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lane: ClassVar[Lane]
    label: ClassVar[str]
    """How notes name this kind of action ("Limited Support", "ServiceLog", "Silence")."""
    short_label: ClassVar[str]
    """A word or two for tables (``SL``, ``LS``, ``note``)."""
    budget: ClassVar[str | None] = None
    """The ``BudgetLimits`` field that holds this type's fleet-wide hourly limit, if any."""
    effect_metric: ClassVar[EffectMetric | None] = None
    """The counter of this type's real effects, if it has one."""
    outcome_metrics: ClassVar[tuple[EffectMetric, ...]] = ()
    """Counters of this type's outcomes, failures too (the original's ``status`` labels):
    :meth:`outcome_counts` says which to increment when an action has finished."""
    restricted: ClassVar[bool] = False
    """Withheld in the informing stage and on infrastructure clusters."""
    closes_incident: ClassVar[bool] = False
    """Takes the incident away from humans (silence): never done after a failed remediation."""
    hands_to_human: ClassVar[bool] = False
    """Hands the incident to a human (escalation)."""
    carries_note: ClassVar[bool] = False
    """Writes a note on the incident (the executor appends its own lines to the first one)."""
    customer_facing: ClassVar[bool] = False
    """Writes what a customer sees (service log, limited support): without the ledger to
    guarantee at most once, it is not applied unless it is idempotent."""
    idempotent: ClassVar[bool] = False
    """Applying it twice has the effect of applying it once (a PUT of a state). An action
    that is not idempotent, after a write whose outcome is unknown (a timeout), is waited
    for and probed before it is applied again."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        field_info = cls.model_fields.get("type")
        if field_info is None or not isinstance(field_info.default, str):
            raise TypeError(f"{cls.__name__} must declare its type: Literal[...] = ...")
        kind = field_info.default
        missing = [name for name in ("lane", "label", "short_label") if not hasattr(cls, name)]
        if missing:
            raise TypeError(f"{cls.__name__} must set {', '.join(missing)}")
        known = _REGISTRY.get(kind)
        same = known is not None and (known.__module__, known.__qualname__) == (
            cls.__module__,
            cls.__qualname__,
        )
        if known is not None and not same:
            raise TypeError(f"action type {kind!r} is taken by {known.__qualname__}")
        _REGISTRY[kind] = cls

    @classmethod
    def type_string(cls) -> str:
        """The class's stable type string (its ``type`` field's value)."""
        return str(cls.model_fields["type"].default)

    @property
    def action_type(self) -> str:
        """The stable type string (``service_log``, ``limited_support``, ...)."""
        return str(getattr(self, "type"))  # noqa: B009  # each subclass declares ``type``

    def problems(self) -> list[str]:
        """What is wrong with this action; empty when it is valid."""
        return []

    def describe(self) -> str:
        """One line for dry-run output, reports and notes."""
        raise NotImplementedError  # abstract

    def preview(self, target: ActionTarget) -> str:
        """The full content this action would write (dry-run output)."""
        return self.describe()

    def identity(self) -> dict[str, Any]:
        """The fields that make two actions the same effect (for the dedupe key)."""
        return self.model_dump(mode="json")

    def dedupe_key(self) -> str:
        """A key naming this effect, stable across processes and releases."""
        canonical = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
        return f"{self.action_type}:{digest}"

    def metric_labels(self) -> dict[str, str]:
        """The labels of ``effect_metric`` besides ``alert_type`` and ``investigation``."""
        return {}

    def outcome_counts(
        self, outcome: str, facts: Mapping[str, str]
    ) -> list[tuple[str, dict[str, str]]]:
        """``(metric name, labels)`` of each ``outcome_metrics`` counter to increment once,
        now that this action finished with ``outcome`` (a live run only), having recorded
        ``facts``. Labels besides ``alert_type`` and ``investigation``."""
        return []

    def customer_message(self) -> tuple[str, str, str] | None:
        """``(kind, summary, text)`` when this action sends a customer a message (checked
        for documentation links of the wrong product), else ``None``."""
        return None

    def reason_line(self) -> Amendment | None:
        """The line that carries this action's reason into the note, if it has one."""
        return None

    def time_needed_s(self) -> float:
        """How long applying this action may take for work it waits on (a Job): the
        execution's deadline (``CAD_EXECUTOR_DEADLINE_SECONDS``) is extended by the longest
        such time of its actions. ``0``: the deadline is enough."""
        return 0.0

    def probe(self, target: ActionTarget) -> str | None:
        """Return why the effect already exists (so applying is skipped), or ``None``."""
        return None

    def apply(self, target: ActionTarget) -> str | None:
        """Perform the effect; return the automation line for the note, if any."""
        raise NotImplementedError  # abstract
