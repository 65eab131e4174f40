"""expiredcertificates: expired or soon-expiring certificates of the API server, the default
ingress, the component routes and the TLS secrets of OpenShift's critical namespaces.

A chain step: it reports and notes, and leaves the decision to the investigations after it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from cad.actions import NoteWriter, note_and_report_from, note_from
from cad.clients.kube import KINDS
from cad.errors import ClientError
from cad.investigations.expiredcertificates.checks import (
    TLS_NAMESPACES,
    CertificateError,
    Line,
    NamedCertResult,
    Resolved,
    RouteCertResult,
    SecretCerts,
    api_server_lines,
    component_route_lines,
    ingress_lines,
    secret_certificate,
    tls_secret_lines,
)
from cad.investigations.expiredcertificates.models import (
    component_routes,
    default_certificate,
    named_certificates,
)
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import (
    KubeClientError,
    RestConfigError,
    cluster_access_message,
)
from cad.investigations.framework.readers import KubeRead
from cad.investigations.framework.resources import Resources

_TLS = "kubernetes.io/tls"
_CONFIG = "openshift-config"
_INGRESS = "openshift-ingress"


class ExpiredCertificates(Investigation):
    """Notes every certificate that expired or expires within 7 days; never hands over."""

    name = "expiredcertificates"
    description = (
        "Investigate expired or expiring certificates in the cluster, including custom API "
        "server, ingress, and OAuth certificates"
    )

    def run(self, resources: Resources) -> Result:
        notes = resources.notes()
        cluster = resources.cluster
        try:
            kube = resources.kube
        except (RestConfigError, KubeClientError) as error:
            # A chain step: note why it could not look, let the next step decide.
            notes.warning(f"{cluster_access_message(error) or error} ({error.cause})")
            return Result(actions=[note_from(notes)])
        now = resources.now()
        if cluster.hcp:
            notes.success(
                "API Server Certs: skipped (secret access on management cluster is restricted "
                "by backplane)"
            )
        else:
            _write(notes, _api_server(kube, now))
        _write(notes, _ingress(kube, now))
        _write(notes, _component_routes(kube, now))
        _write(notes, tls_secret_lines([_tls_secrets(kube, ns) for ns in TLS_NAMESPACES], now))
        return Result(actions=note_and_report_from(notes, cluster.id, self.name, now=now))


def _write(notes: NoteWriter, lines: Iterable[Line]) -> None:
    for kind, text in lines:
        if kind == "success":
            notes.success(text)
        else:
            notes.warning(text)


def _read_secret(kube: KubeRead, namespace: str, name: str) -> Resolved:
    try:
        secret = kube.get(KINDS["Secret"], name, namespace=namespace)
    except ClientError as exc:
        return f"failed to get secret {namespace}/{name}: {exc}"
    return _certificate(secret)


def _certificate(secret: dict[str, Any]) -> Resolved:
    try:
        return secret_certificate(secret)
    except CertificateError as exc:
        return str(exc)


def _api_server(kube: KubeRead, now: datetime) -> list[Line]:
    try:
        api_server = kube.get(KINDS["APIServer"], "cluster")
    except ClientError as exc:
        return [("warning", f"API Server Certs: failed to get APIServer config - {exc}")]
    results = [
        NamedCertResult(secret=c.secret, names=c.names, cert=_read_secret(kube, _CONFIG, c.secret))
        for c in named_certificates(api_server)
        if c.secret
    ]
    return api_server_lines(results, now)


def _ingress(kube: KubeRead, now: datetime) -> list[Line]:
    try:
        controller = kube.get(
            KINDS["IngressController"], "default", namespace="openshift-ingress-operator"
        )
    except ClientError as exc:
        return [
            ("warning", f"Ingress Certificate: could not read IngressController/default - {exc}")
        ]
    secret = default_certificate(controller)
    if not secret:
        return ingress_lines("", None, now)
    return ingress_lines(secret, _read_secret(kube, _INGRESS, secret), now)


def _component_routes(kube: KubeRead, now: datetime) -> list[Line]:
    try:
        ingress = kube.get(KINDS["Ingress"], "cluster")
    except ClientError as exc:
        return [("warning", f"Component Route Certs: failed to get Ingress config - {exc}")]
    routes = component_routes(ingress)
    if not routes:
        return component_route_lines([], now)
    results = [
        RouteCertResult(
            component=r.component, secret=r.secret, cert=_read_secret(kube, _CONFIG, r.secret)
        )
        for r in routes
        if r.secret
    ]
    return component_route_lines(results, now)


def _tls_secrets(kube: KubeRead, namespace: str) -> SecretCerts:
    try:
        found = kube.list(KINDS["Secret"], namespace=namespace, fields={"type": _TLS})
    except ClientError as exc:
        return SecretCerts(namespace=namespace, error=str(exc))
    secrets = []
    for secret in found:
        meta = secret.get("metadata") or {}
        # The API filters by namespace and type already; a reader that does not is not
        # trusted to, so that an Opaque secret is never read as a certificate.
        if secret.get("type") != _TLS or meta.get("namespace", namespace) != namespace:
            continue
        secrets.append((str(meta.get("name") or ""), _certificate(secret)))
    return SecretCerts(namespace=namespace, secrets=tuple(secrets))
