"""The sandbox: every simulator on 127.0.0.1 with free ports in one process, settings that
point the real clients at them, a seeding API, and what was written.

    with Sandbox() as sandbox:
        sandbox.seed(WorldSpec(clusters=[ClusterSpec(id="c1", ...)]))
        sandbox.create_incident("Q1", "ClusterHasGoneMissing", alerts=[{"cluster_id": "c1"}])
        settings = sandbox.settings()      # cad.config.settings.Settings for the real clients
        ...
        sandbox.pagerduty.incident("Q1").notes
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any

from cad.config.settings import Settings
from cad.egress import EgressResult
from cad.simulators.agentcore import AgentCoreSimulator
from cad.simulators.aws import AwsSimulator
from cad.simulators.backplane import INITIAL_ROLE_ARN, BackplaneSimulator
from cad.simulators.certs import make_self_signed
from cad.simulators.clock import SimClock
from cad.simulators.faults import Fault, FaultBook
from cad.simulators.kube import KubeWorld
from cad.simulators.kube_jobs import JobRuns
from cad.simulators.ocm import TOKEN_PATH, OcmSimulator
from cad.simulators.pagerduty import PagerDutySimulator, SimIncident
from cad.simulators.server import ServerThread
from cad.simulators.sftp import SFTP_TOKEN_PATH, SftpSimulator
from cad.simulators.update_graph import GRAPH_PATH, UpdateGraphSimulator
from cad.simulators.world import (
    ClusterSpec,
    EgressSpec,
    KubernetesSpec,
    WorldSpec,
    resolve_time,
)

__all__ = ["SYSTEMS", "Sandbox", "SandboxEgressVerifier"]

SYSTEMS = (
    "ocm",
    "pagerduty",
    "backplane",
    "aws",
    "kubernetes",
    "update-graph",
    "sftp-token",
    "agentcore",
)


class Sandbox:
    """All simulators, started together. Use as a context manager or call start/close."""

    def __init__(self) -> None:
        self.clock = SimClock()
        self.ocm = OcmSimulator(self.clock)
        self.pagerduty = PagerDutySimulator(self.clock)
        self.backplane = BackplaneSimulator(
            self.clock, token_ok=self.ocm.tokens.bearer_ok, cluster=self.ocm.resolve
        )
        self.aws = AwsSimulator(self.clock)
        self.update_graph = UpdateGraphSimulator()
        self.sftp = SftpSimulator()
        self.agent = AgentCoreSimulator(self.aws.assumed_role)
        self.egress: dict[str, EgressSpec] = {}
        self._dir = Path(tempfile.mkdtemp(prefix="cad-sandbox-"))
        self.cert_path, key_path = make_self_signed(self._dir)
        self._servers = [
            ServerThread(self.ocm.app),
            ServerThread(self.pagerduty.app, certfile=str(self.cert_path), keyfile=str(key_path)),
            ServerThread(self.backplane.app),
            ServerThread(self.update_graph.app),
            ServerThread(self.sftp.app),
            ServerThread(self.agent.app),
        ]
        self.started = False

    def start(self) -> Sandbox:
        """Start every simulator."""
        for server in self._servers:
            server.start()
        self.aws.start()
        self.sftp.start()
        self.pagerduty.base_url = self.pagerduty_url
        self.started = True
        return self

    def close(self) -> None:
        """Stop every simulator and remove temporary files."""
        if self.started:
            for server in self._servers:
                server.stop()
            self.aws.stop()
            self.started = False
        self.sftp.stop()  # also removes its files when it never started
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def ocm_url(self) -> str:
        """OCM's (and SSO's) base URL."""
        return self._servers[0].url

    @property
    def pagerduty_url(self) -> str:
        """PagerDuty's base URL (https)."""
        return self._servers[1].url

    @property
    def backplane_url(self) -> str:
        """Backplane's base URL."""
        return self._servers[2].url

    @property
    def update_graph_url(self) -> str:
        """The update graph's URL (``CAD_UPDATE_GRAPH_URL``)."""
        return self._servers[3].url + GRAPH_PATH

    @property
    def sftp_token_url(self) -> str:
        """The SFTP token endpoint's URL (``CAD_SFTP_TOKEN_URL``)."""
        return self._servers[4].url + SFTP_TOKEN_PATH

    @property
    def agentcore_url(self) -> str:
        """The AI agent's (AgentCore's) endpoint (``CAD_AGENTCORE_ENDPOINT_URL``)."""
        return self._servers[5].url

    def environment(self) -> dict[str, str]:
        """Environment variables that point CAD at the simulators."""
        return {
            "CAD_OCTOSQL_IMAGE": "quay.io/app-sre/octosql-etcd:sandbox",
            "CAD_OCM_URL": self.ocm_url,
            "CAD_OCM_TOKEN_URL": self.ocm_url + TOKEN_PATH,
            "CAD_OCM_CLIENT_ID": self.ocm.client_id,
            "CAD_OCM_CLIENT_SECRET": self.ocm.client_secret,
            "CAD_PD_URL": self.pagerduty_url,
            "CAD_PD_TOKEN": self.pagerduty.token,
            "CAD_PD_CA_BUNDLE": str(self.cert_path),
            "CAD_SILENT_POLICY": self.pagerduty.silent_policy_id,
            "CAD_BACKPLANE_URL": self.backplane_url,
            "CAD_BACKPLANE_INITIAL_ARN": INITIAL_ROLE_ARN,
            "CAD_AWS_ENDPOINT_URL": self.aws.url,
            "CAD_UPDATE_GRAPH_URL": self.update_graph_url,
            "CAD_SFTP_TOKEN_URL": self.sftp_token_url,
            "CAD_SFTP_HOST": "127.0.0.1",
            "CAD_SFTP_PORT": str(self.sftp.port),
            "CAD_SFTP_HOST_KEY_FINGERPRINT": self.sftp.fingerprint,
            "CAD_AGENTCORE_ENDPOINT_URL": self.agentcore_url,
            # CAD's own credentials, which assume the agent's invoker role in moto's STS.
            "CAD_AGENTCORE_ACCESS_KEY_ID": "AKIDSANDBOXAGENT",
            "CAD_AGENTCORE_SECRET_ACCESS_KEY": "sandbox-agent-secret",
            # Must-gathers: the simulated gather answers at once; waits are short.
            "CAD_MUST_GATHER_TIMEOUT_SECONDS": "2",
            "CAD_MUST_GATHER_POLL_SECONDS": "0.05",
            "CAD_MUST_GATHER_QUEUE_TIMEOUT_SECONDS": "1",
            "CAD_MUST_GATHER_QUEUE_POLL_SECONDS": "0.1",
        }

    def settings(self, **overrides: Any) -> Settings:
        """Settings for the real clients, pointing at the simulators."""
        values: dict[str, Any] = {
            key.removeprefix("CAD_").lower(): value for key, value in self.environment().items()
        }
        values.update(overrides)
        return Settings(**values)

    def isolated_settings(self, **overrides: Any) -> Settings:
        """Settings for a CAD that lives only in this sandbox (``serve --sandbox``): the
        simulators, a throwaway SQLite store in the sandbox's temporary directory, a webhook
        signing secret made now, no API token: nothing of the environment's store or
        secrets."""
        values: dict[str, Any] = {
            "database_url": None,
            "database_path": str(self._dir / "cad.sqlite"),
            "pd_webhook_secrets": secrets.token_urlsafe(32),
            "api_token": None,
        }
        return self.settings(**{**values, **overrides})

    # --- seeding and inspection --------------------------------------------------------

    def seed(self, world: WorldSpec | dict[str, Any]) -> None:
        """Load a world: clusters in OCM, their AWS accounts and Kubernetes APIs, the AI agent."""
        spec = world if isinstance(world, WorldSpec) else WorldSpec.model_validate(world)
        self.clock.set(resolve_time(spec.now, self.clock.now()) if spec.now else None)
        managers = {mc.name: kube_world(mc.kubernetes) for mc in spec.management_clusters}
        for cluster in spec.clusters:
            self.add_cluster(cluster)
            manager = managers.get(cluster.management_cluster or "hs-mc-sim")
            if cluster.hcp and manager is not None:
                self.backplane.add_management_api(cluster.id, manager)
        if spec.update_graph.channels:
            self.update_graph.load(spec.update_graph.channels)
        for policy, levels in spec.escalation_policies.items():
            self.pagerduty.add_policy(policy, levels)
        self.agent.load(spec.ai_agent)

    def add_cluster(self, cluster: ClusterSpec) -> None:
        """Add one cluster to every simulator."""
        self.ocm.add_cluster(cluster)
        self.aws.add_cluster(cluster)
        self.backplane.add_cluster_api(cluster.id, kube_world(cluster.kubernetes))
        self.egress[cluster.id] = cluster.egress

    def create_incident(
        self,
        incident_id: str,
        title: str,
        *,
        alerts: list[dict[str, Any]] | None = None,
        service_id: str = "PSVC001",
        service_summary: str = "osd-deadmanssnitch",
    ) -> SimIncident:
        """An incident in the PagerDuty simulator; ``alerts`` are each alert's details."""
        return self.pagerduty.add_incident(
            incident_id,
            title,
            alerts=alerts,
            service_id=service_id,
            service_summary=service_summary,
        )

    def faults(self, system: str) -> FaultBook:
        """The fault book of ``ocm``, ``pagerduty``, ``backplane``, ``aws``, ``kubernetes`` or
        ``update-graph``, ``sftp-token`` or ``agentcore``."""
        books = {
            "ocm": self.ocm.faults,
            "pagerduty": self.pagerduty.faults,
            "backplane": self.backplane.faults,
            "aws": self.aws.faults,
            "kubernetes": self.backplane.kube_faults,
            "update-graph": self.update_graph.faults,
            "sftp-token": self.sftp.faults,
            "agentcore": self.agent.faults,
        }
        if system not in books:
            raise ValueError(f"unknown system {system!r}; expected one of {', '.join(SYSTEMS)}")
        return books[system]

    def inject(self, system: str, **fault: Any) -> Fault:
        """Add a fault to a system (fields of :class:`Fault`)."""
        return self.faults(system).add(**fault)

    def kube_writes(self) -> list[tuple[str, dict[str, Any]]]:
        """``(role, write)`` for every write any served Kubernetes API accepted, role
        ``cluster`` or ``management``; each write names its method, kind, namespace and name."""
        return [
            ("management" if target.endswith("-management") else "cluster", write)
            for target, world in sorted(self.backplane.kube.items())
            for write in world.writes
        ]

    def enforce_rate_limits(
        self,
        *,
        pagerduty_per_minute: int = 960,
        ocm_per_second: int = 50,
        cloudtrail_per_second: int = 2,
    ) -> None:
        """Refuse, with 429 and ``Retry-After``, what the real services would (off by
        default; :meth:`reset` turns it off): PagerDuty per token and minute, CloudTrail
        LookupEvents per account, region and second, OCM (no published limit: CAD's
        default) per token and second."""
        self.pagerduty.faults.limit_rate(pagerduty_per_minute, 60.0)
        self.ocm.faults.limit_rate(ocm_per_second, 1.0)
        self.aws.faults.limit_rate(cloudtrail_per_second, 1.0, path="/LookupEvents")

    def throttled(self) -> dict[str, int]:
        """How many requests each rate-limited simulator refused with 429."""
        return {
            "pagerduty": self.pagerduty.faults.throttled,
            "ocm": self.ocm.faults.throttled,
            "cloudtrail": self.aws.faults.throttled,
        }

    def writes(self) -> dict[str, int]:
        """How many writes each simulator accepted."""
        return {
            "ocm": len(self.ocm.writes),
            "pagerduty": len(self.pagerduty.writes),
            "backplane": len(self.backplane.writes),
            "kubernetes": len(self.kube_writes()),
            "sftp": len(self.sftp.opened_for_write),
            "sftp-token": len(self.sftp.token_requests),  # each makes an anonymous user
        }

    def reset(self) -> None:
        """Empty every simulator (between scenarios) without restarting it."""
        self.ocm.reset()
        self.pagerduty.reset()
        self.backplane.reset()
        self.aws.reset()
        self.update_graph.reset()
        self.sftp.reset()
        self.agent.reset()
        self.egress.clear()
        self.clock.set(None)


class SandboxEgressVerifier:
    """Egress verification answered from the sandbox's world (``egress:`` of each cluster)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def verify(self, cluster_id: str, infra_id: str, region: str) -> EgressResult:
        spec = self.sandbox.egress.get(cluster_id)
        if spec is None:
            return EgressResult(outcome="error", message=f"the sandbox has no cluster {cluster_id}")
        return EgressResult(
            outcome=spec.result, unreachable=list(spec.unreachable), message=spec.error
        )


def kube_world(kube: KubernetesSpec) -> KubeWorld:
    """A Kubernetes API serving what the spec describes."""
    world = KubeWorld(
        [*kube.objects, *kube.metrics],
        unreachable=kube.unreachable,
        exec_answers=[answer.model_dump() for answer in kube.exec],
        protocols=tuple(kube.exec_protocols),
        must_gather=kube.must_gather.model_dump(),
    )
    world.health = {str(key): value for key, value in kube.health.items()}
    world.extensions.append(JobRuns(world, kube.jobs))
    return world
