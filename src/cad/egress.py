"""Egress verification: can the cluster reach what it must? Behind an interface, because the
real check (``osd-network-verifier``) launches an instance in the customer's account."""

from __future__ import annotations

import shutil
import subprocess
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

__all__ = [
    "EgressResult",
    "EgressVerifier",
    "NetworkVerifierCommand",
    "SkippedEgressVerification",
]


class EgressResult(BaseModel):
    """The verification's verdict. ``unavailable``: no verifier could run (not installed);
    ``skipped``: deliberately not run (dry run)."""

    model_config = ConfigDict(frozen=True)

    outcome: Literal["success", "failure", "error", "unavailable", "skipped"]
    unreachable: list[str] = []
    message: str = ""

    @property
    def failure_reason(self) -> str:
        """The unreachable targets, comma-joined (the original's failure reason)."""
        return ", ".join(self.unreachable)


class EgressVerifier(Protocol):
    """Checks the cluster's required egress."""

    def verify(self, cluster_id: str, infra_id: str, region: str) -> EgressResult:
        """Run the verification for the cluster."""
        ...


class SkippedEgressVerification:
    """Does not verify (dry runs write nothing, and verification launches an instance)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def verify(self, cluster_id: str, infra_id: str, region: str) -> EgressResult:
        return EgressResult(outcome="skipped", message=self.reason)


class NetworkVerifierCommand:
    """Runs ``osd-network-verifier egress`` when it is installed; says so plainly when not."""

    def __init__(self, executable: str = "osd-network-verifier", timeout_s: float = 600.0) -> None:
        self.executable = executable
        self.timeout_s = timeout_s

    def verify(self, cluster_id: str, infra_id: str, region: str) -> EgressResult:
        path = shutil.which(self.executable)
        if path is None:
            return EgressResult(
                outcome="unavailable",
                message=f"{self.executable} is not installed where CAD runs; "
                "egress was not verified",
            )
        try:
            done = subprocess.run(  # noqa: S603  # fixed executable, arguments from OCM ids
                [
                    path,
                    "egress",
                    "--cluster-id",
                    cluster_id,
                    "--region",
                    region,
                    "--cloud-tags",
                    f"infra-id={infra_id}",
                ],
                capture_output=True,
                text=True,
                timeout=self.timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return EgressResult(
                outcome="error", message=f"{self.executable} timed out after {self.timeout_s:.0f} s"
            )
        return parse_verifier_output(done.returncode, done.stdout + done.stderr)


def parse_verifier_output(returncode: int, output: str) -> EgressResult:
    """The verdict from the verifier's exit code and its ``egressURL error: <target>`` lines."""
    unreachable = [
        line.split("egressURL error:", 1)[1].strip()
        for line in output.splitlines()
        if "egressURL error:" in line
    ]
    if unreachable:
        return EgressResult(outcome="failure", unreachable=unreachable)
    if returncode == 0:
        return EgressResult(outcome="success")
    last = next((line for line in reversed(output.splitlines()) if line.strip()), "no output")
    return EgressResult(outcome="error", message=f"exit code {returncode}: {last.strip()}")
