"""Building the real clients from settings: one place that knows how they fit together."""

from __future__ import annotations

from dataclasses import dataclass

from cad.clients.aws import AwsClient, CustomerCredentialChain
from cad.clients.backplane import BackplaneAccess, BackplaneConnection, BackplaneWriteClient
from cad.clients.http import Gate
from cad.clients.kube_mustgather import MustGatherClient
from cad.clients.kube_write import KubeWriteClient
from cad.clients.ocm.auth import TokenSource
from cad.clients.ocm.client import OcmConnection, OcmReader, OcmWriteClient
from cad.clients.pagerduty import PagerDutyConnection, PagerDutyReader, PagerDutyWriteClient
from cad.clients.sftp import SftpUploader
from cad.clients.sftp_token import SftpTokenClient
from cad.clients.update_graph import UpdateGraphClient
from cad.config.settings import Settings
from cad.errors import ConfigurationError
from cad.ratelimit import RateGates, bucket_key

__all__ = ["Clients", "build_clients", "missing_settings"]


@dataclass(frozen=True)
class Clients:
    """Every client CAD uses, read and write halves apart."""

    ocm: OcmReader
    ocm_writer: OcmWriteClient
    backplane: BackplaneAccess
    backplane_writer: BackplaneWriteClient
    kube_writer: KubeWriteClient
    aws_credentials: CustomerCredentialChain
    aws_endpoint_url: str | None
    tokens: TokenSource
    pagerduty: PagerDutyReader | None = None
    pagerduty_writer: PagerDutyWriteClient | None = None
    update_graph: UpdateGraphClient | None = None
    sftp_writer: SftpUploader | None = None
    cloudtrail_gate: Gate | None = None

    def close(self) -> None:
        """Close every connection pool."""
        self.tokens.close()
        self.ocm.conn.close()
        self.backplane.conn.close()
        self.aws_credentials.close()
        if self.pagerduty is not None:
            self.pagerduty.conn.close()
        if self.update_graph is not None:
            self.update_graph.close()
        if self.sftp_writer is not None:
            self.sftp_writer.close()

    def aws_client(self, cluster_id: str, region: str) -> AwsClient:
        """An AWS client in the cluster's account."""
        creds = self.aws_credentials.credentials(cluster_id, region)
        return AwsClient(
            creds, endpoint_url=self.aws_endpoint_url, cloudtrail_gate=self.cloudtrail_gate
        )


_REQUIRED = {
    "CAD_OCM_CLIENT_ID": "ocm_client_id",
    "CAD_OCM_CLIENT_SECRET": "ocm_client_secret",
    "BACKPLANE_URL (or CAD_BACKPLANE_URL)": "backplane_url",
    "BACKPLANE_INITIAL_ARN (or CAD_BACKPLANE_INITIAL_ARN)": "backplane_initial_arn",
}
_REQUIRED_PAGERDUTY = {"CAD_PD_TOKEN": "pd_token", "CAD_SILENT_POLICY": "silent_policy"}


def missing_settings(settings: Settings, *, pagerduty: bool) -> list[str]:
    """The names of required environment variables that are not set."""
    required = {**_REQUIRED, **(_REQUIRED_PAGERDUTY if pagerduty else {})}
    return [name for name, attr in required.items() if not getattr(settings, attr)]


def build_clients(
    settings: Settings, *, pagerduty: bool = True, gates: RateGates | None = None
) -> Clients:
    """The real clients; raises :class:`ConfigurationError` listing every missing setting.
    With ``gates``, OCM, PagerDuty and CloudTrail calls go through their shared rate
    budgets."""
    missing = missing_settings(settings, pagerduty=pagerduty)
    if missing:
        raise ConfigurationError("missing required settings: " + ", ".join(missing))
    # missing_settings() checked these; the asserts tell the type checker.
    assert settings.ocm_client_id
    assert settings.ocm_client_secret
    assert settings.backplane_url
    assert settings.backplane_initial_arn
    tokens = TokenSource(
        settings.ocm_token_url,
        settings.ocm_client_id,
        settings.ocm_client_secret.get_secret_value(),
    )
    ocm = OcmConnection(
        settings.ocm_url,
        tokens,
        gate=gates["ocm"] if gates else None,
        gate_key=settings.ocm_client_id,
    )
    backplane = BackplaneConnection(settings.backplane_url, tokens.token)
    access = BackplaneAccess(backplane)
    chain = CustomerCredentialChain(
        backplane=access,
        initial_role_arn=settings.backplane_initial_arn,
        ocm_token=tokens.token,
        region=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
    )
    pd_reader = pd_writer = None
    if pagerduty:
        assert settings.pd_token
        assert settings.silent_policy
        conn = PagerDutyConnection(
            settings.pd_token.get_secret_value(),
            base_url=settings.pd_url,
            from_email=settings.pd_from,
            verify=settings.pd_ca_bundle or True,
            gate=gates["pagerduty"] if gates else None,
            gate_key=bucket_key(settings.pd_token.get_secret_value()),
        )
        pd_reader = PagerDutyReader(conn)
        pd_writer = PagerDutyWriteClient(
            conn,
            silent_policy_id=settings.silent_policy,
            escalation_level=settings.pd_escalation_level,
        )
    return Clients(
        ocm=OcmReader(ocm),
        ocm_writer=OcmWriteClient(ocm),
        backplane=access,
        backplane_writer=BackplaneWriteClient(backplane),
        kube_writer=KubeWriteClient(
            access,
            must_gather=MustGatherClient(
                access,
                poll_s=settings.must_gather_poll_seconds,
                gather_timeout_s=settings.must_gather_timeout_seconds,
                queue_timeout_s=settings.must_gather_queue_timeout_seconds,
                queue_poll_s=settings.must_gather_queue_poll_seconds,
            ),
        ),
        aws_credentials=chain,
        aws_endpoint_url=settings.aws_endpoint_url,
        tokens=tokens,
        pagerduty=pd_reader,
        pagerduty_writer=pd_writer,
        update_graph=UpdateGraphClient(settings.update_graph_url),
        sftp_writer=SftpUploader(
            SftpTokenClient(str(settings.sftp_token_url)),
            host=settings.sftp_host,
            port=settings.sftp_port,
            fingerprint=settings.sftp_host_key_fingerprint,
        ),
        cloudtrail_gate=gates["cloudtrail"] if gates else None,
    )
