"""Backplane over httpx: reports (write), remediations and the AWS role sequence (access)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from cad.clients.http import HttpCaller, ssl_context
from cad.clients.models import RestConfig

__all__ = [
    "BackplaneAccess",
    "BackplaneConnection",
    "BackplaneWriteClient",
    "RestConfig",
    "RoleHop",
    "RoleSequence",
]


class RoleHop(BaseModel):
    """One role of the customer-account assume-role sequence."""

    model_config = ConfigDict(frozen=True)

    name: str
    arn: str


class RoleSequence(BaseModel):
    """Backplane's ``assume-role-sequence`` answer."""

    model_config = ConfigDict(frozen=True)

    roles: list[RoleHop]
    customer_role_session_name: str = ""
    external_id: str = ""
    session_policy_arn: str = ""


def _describe(body: Any) -> tuple[str | None, str | None, str | None]:
    return body.get("message"), None, None


class BackplaneConnection:
    """Base URL, bearer token (the OCM access token), error translation."""

    def __init__(
        self,
        base_url: str,
        token: Callable[[], str],
        *,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_s),
            headers={"User-Agent": "configuration-anomaly-detection"},
            transport=transport,
            verify=ssl_context(),
        )
        self.http = HttpCaller("backplane", client, describe_error=_describe)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.http.client.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send with the current token."""
        headers = {"Authorization": f"Bearer {self.token()}"}
        return self.http.request(method, path, headers=headers, **kwargs)

    def json_object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Send and parse a JSON object answer."""
        response = self.request(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError as exc:
            raise self.http.malformed(method, path, "the answer is not JSON") from exc
        if not isinstance(body, dict):
            raise self.http.malformed(method, path, "the answer is not a JSON object")
        return body


class BackplaneWriteClient:
    """Cluster reports (implements ``BackplaneWriter``)."""

    def __init__(self, conn: BackplaneConnection) -> None:
        self.conn = conn

    def create_report(self, cluster_id: str, *, summary: str, data: str) -> str:
        """Store a report; returns its id."""
        path = f"/backplane/cluster/{cluster_id}/reports"
        body = self.conn.json_object(
            "POST",
            path,
            json={"summary": summary, "data": base64.b64encode(data.encode()).decode()},
        )
        report_id = body.get("report_id")
        if not isinstance(report_id, str) or not report_id:
            raise self.conn.http.malformed("POST", path, "the answer has no report_id")
        return report_id


class BackplaneAccess:
    """Access brokering used by the investigation framework (never by investigations):
    Kubernetes API access through remediations, and the AWS role sequence."""

    def __init__(self, conn: BackplaneConnection) -> None:
        self.conn = conn

    def create_remediation(
        self, cluster_id: str, name: str, *, managing_cluster: str | None = None
    ) -> RestConfig:
        """Open kube-api access scoped by the investigation's metadata (``name``)."""
        path = f"/backplane/remediation/{cluster_id}"
        params = {"remediationName": name}
        if managing_cluster:
            params["managingCluster"] = managing_cluster
        body = self.conn.json_object("POST", path, params=params)
        proxy_uri = body.get("proxy_uri")
        if not isinstance(proxy_uri, str) or not proxy_uri:
            raise self.conn.http.malformed("POST", path, "the answer has no proxy_uri")
        return RestConfig(
            host=self.conn.base_url + proxy_uri,
            token=self.conn.token(),
            remediation_id=str(body.get("remediationInstanceId", "")),
        )

    def delete_remediation(
        self, cluster_id: str, remediation_id: str, *, managing_cluster: str | None = None
    ) -> None:
        """Close kube-api access."""
        params = {"remediationInstanceId": remediation_id}
        if managing_cluster:
            params["managingCluster"] = managing_cluster
        self.conn.request("DELETE", f"/backplane/remediation/{cluster_id}", params=params)

    def assume_role_sequence(self, cluster_id: str) -> RoleSequence:
        """The roles to assume, in order, to reach the customer's AWS account."""
        path = f"/backplane/cloud/credentials/assume-role-sequence/{cluster_id}"
        body = self.conn.json_object("GET", path)
        try:
            return RoleSequence(
                roles=[RoleHop.model_validate(hop) for hop in body["assumptionSequence"]],
                customer_role_session_name=str(body.get("customerRoleSessionName", "")),
                external_id=str(body.get("externalId", "")),
                session_policy_arn=str(body.get("sessionPolicyArn", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise self.conn.http.malformed("GET", path, "no valid assumptionSequence") from exc
