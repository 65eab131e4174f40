"""The production access broker: AWS through backplane's role chain, Kubernetes through
backplane remediations."""

from __future__ import annotations

from cad.clients.aws import AwsClient, CustomerCredentialChain
from cad.clients.backplane import BackplaneAccess, RestConfig
from cad.clients.http import Gate
from cad.clients.kube import KubeReader
from cad.retry import retry_transient

__all__ = ["BackplaneAccessBroker"]


class BackplaneAccessBroker:
    """Implements ``AccessBroker`` with the real clients."""

    def __init__(
        self,
        backplane: BackplaneAccess,
        credentials: CustomerCredentialChain,
        *,
        aws_endpoint_url: str | None = None,
        cloudtrail_gate: Gate | None = None,
    ) -> None:
        self.backplane = backplane
        self.cloudtrail_gate = cloudtrail_gate
        self.credentials = credentials
        self.aws_endpoint_url = aws_endpoint_url

    def aws_client(self, cluster_id: str, region: str) -> AwsClient:
        return AwsClient(
            self.credentials.credentials(cluster_id, region),
            endpoint_url=self.aws_endpoint_url,
            cloudtrail_gate=self.cloudtrail_gate,
        )

    def open_kube(
        self, cluster_id: str, investigation: str, *, management: bool = False
    ) -> RestConfig:
        # A transient failure is tried again here: the investigations treat no access as a
        # finding for a human, which one 503 should not decide.
        managing = "management" if management else None
        return retry_transient(
            lambda: self.backplane.create_remediation(
                cluster_id, investigation, managing_cluster=managing
            )
        )

    def kube_client(self, config: RestConfig) -> KubeReader:
        return KubeReader(config)

    def close_kube(self, cluster_id: str, config: RestConfig, *, management: bool = False) -> None:
        if config.remediation_id:
            self.backplane.delete_remediation(
                cluster_id,
                config.remediation_id,
                managing_cluster="management" if management else None,
            )
