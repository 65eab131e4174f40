"""deploy/ as the tests read it: kustomizations rendered without the kustomize binary.

The kustomizations under deploy/ hold plain resources only (files and other kustomization
directories; no patches, generators or transformers), so rendering one is reading the files
it lists, in order, and the directories' renderings in their place. The one transformer
applied is ``images`` (what ``kustomize edit set image`` writes), as kustomize applies it to
the pods' containers. A kustomization with any other field fails here: whoever adds a patch
extends this loader (and its test) first.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUSTOMIZATIONS = ("base", "monitoring", "overlays/openshift", "tekton")
"""Every kustomization under deploy/, relative to it."""

_FIELDS = {"apiVersion", "kind", "resources", "images"}

Manifest = dict[str, Any]


class UnsupportedKustomizationError(ValueError):
    """A kustomization uses a field this loader does not apply."""


def render(directory: Path) -> list[Manifest]:
    """The objects ``directory``'s kustomization.yaml produces, in order."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unsupported = set(kustomization) - _FIELDS
    if unsupported:
        raise UnsupportedKustomizationError(
            f"{directory}: {sorted(unsupported)} not supported by tests/deploy/manifests.py"
        )
    rendered: list[Manifest] = []
    for entry in kustomization["resources"]:
        path = (directory / entry).resolve()
        rendered.extend(render(path) if path.is_dir() else load(path))
    for image in kustomization.get("images", []):
        for _, spec in pod_specs(rendered):
            for container in spec["containers"] + spec.get("initContainers", []):
                container["image"] = set_image(container["image"], image)
    return rendered


def set_image(reference: str, change: dict[str, str]) -> str:
    """``reference`` after one ``images`` entry (name, newName, newTag, digest)."""
    name, _, tag = reference.partition("@")[0].rpartition(":")
    if not name or "/" in tag:  # no tag: the colon, if any, was a registry's port
        name, tag = reference.partition("@")[0], ""
    if name != change["name"]:
        return reference
    name = change.get("newName", name)
    if "digest" in change:
        return f"{name}@{change['digest']}"
    tag = change.get("newTag", tag)
    return f"{name}:{tag}" if tag else name


def load(path: Path) -> list[Manifest]:
    """The YAML documents of ``path`` (empty ones skipped)."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def listed_files(directory: Path) -> Iterator[Path]:
    """Every file ``directory``'s kustomization reads, its own included."""
    yield directory / "kustomization.yaml"
    for entry in yaml.safe_load((directory / "kustomization.yaml").read_text())["resources"]:
        path = (directory / entry).resolve()
        if path.is_dir():
            yield from listed_files(path)
        else:
            yield path


def everything() -> list[Manifest]:
    """Every object of every kustomization, once (the overlay repeats the base's)."""
    seen: dict[tuple[str, str], Manifest] = {}
    for name in KUSTOMIZATIONS:
        for manifest in render(DEPLOY / name):
            seen[(manifest["kind"], manifest["metadata"]["name"])] = manifest
    return list(seen.values())


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    """The objects of ``kind``."""
    return [manifest for manifest in manifests if manifest["kind"] == kind]


def named(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    """The one object of ``kind`` called ``name``."""
    (found,) = [m for m in of_kind(manifests, kind) if m["metadata"]["name"] == name]
    return found


def pod_specs(manifests: list[Manifest]) -> Iterator[tuple[str, Manifest]]:
    """Each Deployment's and Job's pod spec, with the object's name."""
    for manifest in manifests:
        if manifest["kind"] in {"Deployment", "Job"}:
            yield manifest["metadata"]["name"], manifest["spec"]["template"]["spec"]


def containers(manifests: list[Manifest]) -> Iterator[tuple[str, Manifest]]:
    """Every container of the Deployments and Jobs, and every step of the Tekton Tasks, with
    the object's name."""
    for name, spec in pod_specs(manifests):
        for container in spec["containers"]:
            yield name, container
    for task in of_kind(manifests, "Task"):
        for step in task["spec"]["steps"]:
            yield task["metadata"]["name"], step
