"""Actions on Red Hat's SFTP server: upload a file (a must-gather archive) for Red Hat to
analyse, as the original's mustgather does after collecting it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from cad.actions.base import Action, ActionTarget, EffectMetric, Lane

__all__ = ["MAX_UPLOAD_BYTES", "REMOTE_PATH", "SftpUpload"]

MAX_UPLOAD_BYTES = 50 * 1024**3
"""The largest file CAD uploads (50 GiB): a must-gather is far smaller."""
REMOTE_PATH = "remote_path"
"""The fact an upload records: where the file is on the server."""
_ANONYMOUS = "/anonymous/users/<a new anonymous user>"


class SftpUpload(Action):
    """Upload ``local_path`` to Red Hat's SFTP server under ``/anonymous/users/<user>/<name>``
    (anonymous credentials, the server's host key pinned). The probe finds a whole copy
    (same name and size) uploaded earlier by this process; the ledger, one by an earlier
    run. Counted by the original's ``must_gather_performed_total`` (``product``: ``ROSA
    classic`` or ``ROSA HCP``)."""

    type: Literal["sftp_upload"] = "sftp_upload"
    local_path: str
    product: str = ""
    timeout_seconds: float = Field(default=6 * 3600.0, gt=0, le=6 * 3600.0)
    """How long the copy may take (the original's 6 hours at most)."""

    lane: ClassVar[Lane] = Lane.SFTP
    label: ClassVar[str] = "SFTP upload"
    short_label: ClassVar[str] = "sftp"
    effect_metric: ClassVar[EffectMetric | None] = EffectMetric(
        "cad_investigate_must_gather_performed_total",
        "Must-gathers uploaded to Red Hat's SFTP server",
        ("product",),
    )

    @property
    def name(self) -> str:
        """The file's name on the server (the local file's)."""
        return Path(self.local_path).name

    def size(self) -> int:
        """The local file's size in bytes (0 when it cannot be read)."""
        try:
            return Path(self.local_path).stat().st_size
        except OSError:
            return 0

    def problems(self) -> list[str]:
        path = Path(self.local_path)
        if not self.local_path.strip():
            return ["the file to upload is not named"]
        if not path.is_absolute():
            return [f"the file to upload ({self.local_path}) is not an absolute path"]
        if not path.is_file():
            return [f"the file to upload ({self.local_path}) does not exist or is not a file"]
        if not os.access(path, os.R_OK):
            return [f"the file to upload ({self.local_path}) is not readable"]
        size = self.size()
        if size == 0:
            return [f"the file to upload ({self.local_path}) is empty"]
        if size > MAX_UPLOAD_BYTES:
            return [f"the file to upload ({self.local_path}) is larger than 50 GiB ({size} bytes)"]
        return []

    def describe(self) -> str:
        return f"upload {self.name} ({self.size()} bytes) to the Red Hat SFTP server"

    def preview(self, target: ActionTarget) -> str:
        # No credential is asked for: a dry run makes no request at all.
        server = target.sftp.server if target.sftp is not None else "the Red Hat SFTP server"
        return (
            f"would upload {self.local_path} ({self.size()} bytes) to {server} "
            f"under {_ANONYMOUS}/{self.name}"
        )

    def identity(self) -> dict[str, Any]:
        # The local directory is a run's temporary one: the name (timestamp and cluster) and
        # the size say which file it is.
        return {"name": self.name, "size": self.size()}

    def metric_labels(self) -> dict[str, str]:
        return {"product": self.product}

    def probe(self, target: ActionTarget) -> str | None:
        remote = target.require_sftp().find(self.name, self.size())
        if remote is None:
            return None
        target.facts[REMOTE_PATH] = remote
        return f"already uploaded to {remote}"

    def apply(self, target: ActionTarget) -> str | None:
        remote = target.require_sftp().upload(Path(self.local_path), timeout_s=self.timeout_seconds)
        target.facts[REMOTE_PATH] = remote
        return f"CAD uploaded {self.name} to the Red Hat SFTP server under {remote}"
