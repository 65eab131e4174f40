"""Actions on Kubernetes objects, on the cluster or on its HCP management cluster."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from cad.actions.base import Action, ActionTarget, EffectMetric, Lane
from cad.clients.models import KINDS

__all__ = ["AnnotateObject"]

# A qualified name with an optional DNS-subdomain prefix, as the API server accepts.
_KEY = re.compile(
    r"^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)


class AnnotateObject(Action):
    """Set annotations on one object by a JSON merge patch (other annotations stay).

    ``management_cluster`` writes on the hosted cluster's HCP management cluster instead of
    the cluster itself. The probe reads the object and skips when every annotation already
    has its value. The dedupe key names the object and the annotation keys, not the values:
    within one incident an annotation is set once, so a re-delivery that computes another
    value (a time) does not set it again.
    """

    type: Literal["annotate_object"] = "annotate_object"
    kind: str
    name: str
    namespace: str = ""
    annotations: dict[str, str]
    management_cluster: bool = False

    lane: ClassVar[Lane] = Lane.KUBERNETES
    label: ClassVar[str] = "Annotation"
    short_label: ClassVar[str] = "annotate"
    restricted: ClassVar[bool] = True
    idempotent: ClassVar[bool] = True
    effect_metric: ClassVar[EffectMetric | None] = EffectMetric(
        "cad_kubernetes_annotations_total",
        "Annotations CAD set on Kubernetes objects",
        ("kind", "cluster_role"),
    )

    def problems(self) -> list[str]:
        found: list[str] = []
        kind = KINDS.get(self.kind)
        if kind is None:
            found.append(f"unknown kind {self.kind!r}")
        elif kind.namespaced and not self.namespace.strip():
            found.append(f"{self.kind} is namespaced: the namespace is empty")
        elif not kind.namespaced and self.namespace:
            found.append(f"{self.kind} is not namespaced: no namespace is allowed")
        if not self.name.strip():
            found.append("the object name is empty")
        if not self.annotations:
            found.append("there is no annotation to set")
        found += [
            f"invalid annotation key {key!r}" for key in self.annotations if not _KEY.match(key)
        ]
        return found

    def _where(self) -> str:
        obj = f"{self.namespace}/{self.name}" if self.namespace else self.name
        cluster = "the management cluster" if self.management_cluster else "the cluster"
        return f"{self.kind} {obj} on {cluster}"

    def describe(self) -> str:
        pairs = ", ".join(f"{k}={v}" for k, v in sorted(self.annotations.items()))
        return f"annotate {self._where()}: {pairs}"

    def preview(self, target: ActionTarget) -> str:
        cluster = target.cluster.id if target.cluster is not None else "<cluster>"
        return (
            f"{self.describe()}\n"
            f"merge patch (application/merge-patch+json) of cluster {cluster}: "
            f"{{'metadata': {{'annotations': {dict(sorted(self.annotations.items()))}}}}}"
        )

    def identity(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
            "keys": sorted(self.annotations),
            "management_cluster": self.management_cluster,
        }

    def metric_labels(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "cluster_role": "management" if self.management_cluster else "cluster",
        }

    def probe(self, target: ActionTarget) -> str | None:
        found = target.require_kube().get(
            target.require_cluster().id,
            KINDS[self.kind],
            self.name,
            namespace=self.namespace or None,
            management=self.management_cluster,
        )
        if found is None:
            return None
        current = (found.get("metadata") or {}).get("annotations") or {}
        if all(current.get(key) == value for key, value in self.annotations.items()):
            return f"the annotations are already set on {self._where()}"
        return None

    def apply(self, target: ActionTarget) -> str | None:
        target.require_kube().merge_patch(
            target.require_cluster().id,
            KINDS[self.kind],
            self.name,
            {"metadata": {"annotations": dict(self.annotations)}},
            namespace=self.namespace or None,
            management=self.management_cluster,
        )
        return f"CAD annotated {self._where()}: " + ", ".join(
            f"{k}={v}" for k, v in sorted(self.annotations.items())
        )
