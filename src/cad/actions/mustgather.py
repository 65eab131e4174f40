"""Collect a must-gather on the Kubernetes API and upload it to Red Hat's SFTP server, as the
original's mustgather does with ``oc adm must-gather`` (no ``oc`` binary here)."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Literal

import yaml

from cad.actions.base import Action, ActionTarget, EffectMetric, Lane
from cad.actions.sftp import REMOTE_PATH, SftpUpload
from cad.clients.exec_policy import MUST_GATHER_COPY
from cad.clients.mustgather_plan import GatherPlan
from cad.errors import PermanentError

__all__ = [
    "ARCHIVE_TIMESTAMP",
    "LOCAL_PATH",
    "PRODUCTS",
    "UPLOADED",
    "CollectMustGather",
    "MustGatherArchiveError",
    "archive_name",
]

ARCHIVE_TIMESTAMP = "%Y-%m-%d_%H-%M-%S"
"""The original's ``2006-01-02_15-04-05`` (``<timestamp>-must-gather-<id>.tar.gz``)."""
LOCAL_PATH = "local_path"
"""The fact a collection records: where its archive was written."""
PRODUCTS = ("ROSA classic", "ROSA HCP")
UPLOADED = "CAD collected a must-gather and uploaded it to the Red Hat SFTP server under"
"""The original's note line, followed by the file's path on the server."""
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the API server's generateName alphabet
_PROCESS = secrets.token_hex(4)  # archives are this process's: never another's stale one
_IMAGE = re.compile(r"^[a-z0-9][a-z0-9._/:@-]*$")


class MustGatherArchiveError(PermanentError):
    """The collected archive cannot be uploaded (empty, unreadable, too large)."""


def archive_name(now: datetime, cluster_id: str) -> str:
    """``<YYYY-MM-DD_HH-MM-SS>-must-gather-<cluster id>.tar.gz`` (UTC), the original's name."""
    return f"{now.astimezone(UTC).strftime(ARCHIVE_TIMESTAMP)}-must-gather-{cluster_id}.tar.gz"


def _remove(archive: Path) -> None:
    archive.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty, or gone already
        archive.parent.rmdir()


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


class CollectMustGather(Action):
    """Collect a must-gather of the cluster (or, ``management_cluster``, on the hosted
    cluster's management cluster, with ``gather_command`` naming the hosted cluster) with
    ``image``, pack it as ``<timestamp>-must-gather-<cluster id>.tar.gz`` and upload it.

    One action for both effects, because the upload needs the archive the collection makes:
    the executor runs a phase's actions concurrently and validates them before any runs (an
    :class:`~cad.actions.sftp.SftpUpload` of a file that does not exist yet is invalid). So
    ``apply`` collects (through ``KubeWriter.must_gather``: namespace, service account,
    binding, pod, copy, clean-up whatever happens), records the archive's path as the fact
    ``local_path``, then uploads it with an :class:`~cad.actions.sftp.SftpUpload` (its probe
    first, then its apply; ``remote_path`` recorded) and deletes the local copy.

    Each effect once: the archive is written whole (or not at all) in a directory derived
    from the run's stable name (and this process), so a retry after a failed upload finds it
    and uploads it without collecting again (a permanent upload failure removes it); the
    probe finds an upload recorded by an earlier attempt or run (``recall``) or the archive
    already on the server; a re-delivery after success is skipped by the ledger. The
    Kubernetes names derive from the run too (the preview shows exactly those), so an
    interrupted attempt's leftovers are deleted first.
    A dry run only previews the manifests: no request at all. Counted by the original's
    ``must_gather_performed_total`` (``product``)."""

    type: Literal["collect_must_gather"] = "collect_must_gather"
    image: str
    gather_command: str = "/usr/bin/gather"
    management_cluster: bool = False
    wait_for_others: bool = False
    """First wait until no other ``openshift-must-gather-*`` namespace is left (HCP)."""
    product: str = ""

    lane: ClassVar[Lane] = Lane.KUBERNETES
    label: ClassVar[str] = "Must-gather"
    short_label: ClassVar[str] = "must-gather"
    restricted: ClassVar[bool] = True
    effect_metric: ClassVar[EffectMetric | None] = SftpUpload.effect_metric

    def problems(self) -> list[str]:
        found = []
        if not _IMAGE.match(self.image):
            found.append(f"invalid must-gather image {self.image!r}")
        if not self.gather_command.strip() or "\n" in self.gather_command:
            found.append("the gather command is empty or spans lines")
        if self.product and self.product not in PRODUCTS:
            found.append(f"unknown product {self.product!r}; expected one of {PRODUCTS}")
        return found

    def _where(self) -> str:
        return "the management cluster" if self.management_cluster else "the cluster"

    def describe(self) -> str:
        return (
            f"collect a must-gather on {self._where()} ({self.image}) and upload it to the "
            "Red Hat SFTP server"
        )

    def metric_labels(self) -> dict[str, str]:
        return {"product": self.product}

    # --- names derived from the run ---------------------------------------------------------

    def plan(self, target: ActionTarget) -> GatherPlan:
        """The objects' names and contents for this run (the same in every attempt)."""
        digest = _digest(f"{target.run}/{self.dedupe_key()}")
        suffix = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:5])
        return GatherPlan(suffix=suffix, image=self.image, command=self.gather_command)

    @staticmethod
    def directory(target: ActionTarget) -> Path:
        """The run's directory for the archive in this process (kept until the upload
        succeeded, so that a retry or a re-delivery handled here uploads it again)."""
        run = _digest(target.run or "manual").hex()[:16]
        return Path(tempfile.gettempdir()) / "cad-must-gather" / f"{_PROCESS}-{run}"

    def _archive(self, target: ActionTarget) -> Path | None:
        cluster = target.require_cluster().id
        found = sorted(self.directory(target).glob(f"*-must-gather-{cluster}.tar.gz"))
        return found[-1] if found else None

    # --- dry run, probe, apply -----------------------------------------------------------

    def preview(self, target: ActionTarget) -> str:
        plan = self.plan(target)
        cluster = target.cluster.id if target.cluster is not None else "<cluster>"
        server = target.sftp.server if target.sftp is not None else "the Red Hat SFTP server"
        name = archive_name(target.now(), cluster)
        manifests = yaml.safe_dump_all(plan.manifests(), sort_keys=False).rstrip()
        return (
            f"{self.describe()}\n"
            f"would create on {self._where()} of cluster {cluster}:\n{manifests}\n"
            f"then wait for the init container gather, run {' '.join(MUST_GATHER_COPY)!r} in "
            f"container copy of pod {plan.namespace}/{plan.pod}, delete ClusterRoleBinding "
            f"{plan.binding} and Namespace {plan.namespace}, and upload {name} to {server} "
            "under /anonymous/users/<a new anonymous user>/"
        )

    def probe(self, target: ActionTarget) -> str | None:
        remote = target.recall(self.action_type, REMOTE_PATH)
        if remote:
            target.facts[REMOTE_PATH] = remote
            return f"the must-gather was already collected and uploaded to {remote}"
        archive = self._archive(target)
        if archive is None:
            return None
        found = SftpUpload(local_path=str(archive), product=self.product).probe(target)
        if found is None:
            return None
        target.facts[LOCAL_PATH] = str(archive)
        _remove(archive)
        return f"the must-gather was already collected and {found}"

    def apply(self, target: ActionTarget) -> str | None:
        cluster = target.require_cluster()
        kube, sftp = target.require_kube(), target.require_sftp()
        leftovers: list[str] = []
        archive = self._archive(target)
        if archive is None:  # a retry after a failed upload takes the archive it has
            archive = self.directory(target) / archive_name(target.now(), cluster.id)
            leftovers = kube.must_gather(
                cluster.id,
                self.plan(target),
                archive,
                management=self.management_cluster,
                wait_for_others=self.wait_for_others,
            )
        target.facts[LOCAL_PATH] = str(archive)
        upload = SftpUpload(local_path=str(archive), product=self.product)
        if problems := upload.problems():
            _remove(archive)
            raise MustGatherArchiveError(
                "; ".join(problems), system="sftp", endpoint=f"upload {archive.name}"
            )
        try:
            if upload.probe(target) is None:
                upload.apply(target)
        except PermanentError:  # a retry cannot help: the archive is not kept for one
            _remove(archive)
            raise
        remote = target.facts.get(REMOTE_PATH) or sftp.remote_path(archive.name)
        _remove(archive)
        line = (
            f"CAD collected a must-gather and uploaded it to the Red Hat SFTP server under {remote}"
        )
        if leftovers:
            line += f" (not cleaned up on {self._where()}: {', '.join(leftovers)})"
        return line
