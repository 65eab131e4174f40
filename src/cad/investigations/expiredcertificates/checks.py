"""Certificates in TLS secrets against CAD's clock: parse every certificate of ``tls.crt``,
decide expired / expiring within 7 days / valid, and write the original's note lines. Pure:
the investigation fetches, these functions judge."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from cryptography import x509
from cryptography.x509.oid import NameOID

from cad.investigations.framework.errors import InvestigationError

__all__ = [
    "EXPIRY_WARNING_THRESHOLD",
    "TLS_NAMESPACES",
    "CertInfo",
    "CertificateError",
    "Line",
    "NamedCertResult",
    "RouteCertResult",
    "SecretCerts",
    "api_server_lines",
    "component_route_lines",
    "ingress_lines",
    "parse_tls_cert",
    "secret_certificate",
    "tls_secret_lines",
]

EXPIRY_WARNING_THRESHOLD = timedelta(days=7)
TLS_NAMESPACES = (
    "openshift-config",
    "openshift-ingress",
    "openshift-config-managed",
    "openshift-service-ca",
)
_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n.*?-----END CERTIFICATE-----", re.DOTALL
)

Line = tuple[Literal["success", "warning"], str]


class CertificateError(InvestigationError):
    """``tls.crt`` holds no certificate that can be read (the message never quotes it)."""


@dataclass(frozen=True)
class CertInfo:
    """The leaf certificate of a ``tls.crt``, and the certificate of its chain that expires
    first when that is not the leaf (``first_to_expire``, its common name)."""

    subject: str
    issuer: str
    sans: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    first_to_expire: str | None = None

    def expired(self, now: datetime) -> bool:
        return now > self.not_after

    def expiring_soon(self, now: datetime) -> bool:
        return not self.expired(now) and self.not_after - now < EXPIRY_WARNING_THRESHOLD

    def needs_attention(self, now: datetime) -> bool:
        return self.expired(now) or self.expiring_soon(now)

    def status(self, now: datetime) -> str:
        """ "EXPIRED (expired 3d ago)", "EXPIRING SOON (expires in 2d)" or "valid (...)"."""
        if self.expired(now):
            text = f"EXPIRED (expired {_days(now - self.not_after)}d ago)"
        elif self.expiring_soon(now):
            text = f"EXPIRING SOON (expires in {_days(self.not_after - now)}d)"
        else:
            text = f"valid (expires in {_days(self.not_after - now)}d)"
        if self.first_to_expire is not None:
            text += f" [chain certificate {self.first_to_expire!r} expires before the leaf]"
        return text

    def expires(self) -> str:
        return self.not_after.strftime("%Y-%m-%dT%H:%M:%SZ")


def _days(delta: timedelta) -> int:
    return int(delta.total_seconds() / 86400)  # Go's int(hours/24): toward zero


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def parse_tls_cert(data: bytes) -> CertInfo:
    """Every certificate of a PEM bundle: the leaf's names, the earliest expiry of all."""
    if not data:
        raise CertificateError("empty certificate data")
    blocks = _PEM_CERTIFICATE.findall(data)
    if not blocks:
        raise CertificateError("failed to decode PEM block")
    try:
        certificates = [x509.load_pem_x509_certificate(block) for block in blocks]
    except ValueError as exc:
        raise CertificateError(f"failed to parse certificate: {exc}") from None
    leaf = certificates[0]
    first = min(certificates, key=lambda c: c.not_valid_after_utc)
    try:
        sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        dns_names = tuple(sans.value.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        dns_names = ()
    earlier = first.not_valid_after_utc < leaf.not_valid_after_utc
    return CertInfo(
        subject=_common_name(leaf.subject),
        issuer=_common_name(leaf.issuer),
        sans=dns_names,
        not_before=leaf.not_valid_before_utc,
        not_after=first.not_valid_after_utc,
        first_to_expire=_common_name(first.subject) if earlier else None,
    )


def secret_certificate(secret: dict[str, Any]) -> CertInfo:
    """The certificate of a secret's ``tls.crt`` (base64, as the API returns ``data``)."""
    encoded = (secret.get("data") or {}).get("tls.crt") or ""
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise CertificateError("failed to decode PEM block") from None
    return parse_tls_cert(data)


# A certificate reference resolved: the certificate, or why it could not be read.
Resolved = CertInfo | str


@dataclass(frozen=True)
class NamedCertResult:
    """An APIServer named certificate: its secret, the names it serves, what was read."""

    secret: str
    names: tuple[str, ...]
    cert: Resolved


@dataclass(frozen=True)
class RouteCertResult:
    """A component route's certificate: ``namespace/name`` of the route, its secret."""

    component: str
    secret: str
    cert: Resolved


@dataclass(frozen=True)
class SecretCerts:
    """The TLS secrets of one namespace (name → certificate or error), or why they could
    not be listed."""

    namespace: str
    secrets: tuple[tuple[str, Resolved], ...] = ()
    error: str | None = None


def _ok(text: str) -> Line:
    return ("success", text)


def _warn(text: str) -> Line:
    return ("warning", text)


def _issue_block(prefix: str, issues: list[str]) -> Line:
    return _warn(f"{prefix}: {len(issues)} issue(s):\n  " + "\n  ".join(issues))


def api_server_lines(results: list[NamedCertResult], now: datetime) -> list[Line]:
    """The "API Server Certs" lines: healthy certificates one by one, then every issue."""
    if not results:
        return [_ok("API Server Certs: no named serving certificates configured")]
    lines, issues = [], []
    for result in results:
        if isinstance(result.cert, str):
            issues.append(f"{result.secret}: {result.cert}")
            continue
        cert = result.cert
        names = result.names or cert.sans  # without names, the API server matches the SANs
        entry = (
            f"{result.secret} (names: {', '.join(names)}, subject: {cert.subject}, issuer: "
            f"{cert.issuer}, expires: {cert.expires()}) - {cert.status(now)}"
        )
        if cert.needs_attention(now):
            issues.append(entry)
        else:
            lines.append(_ok(f"API Server Certs: {entry}"))
    if issues:
        lines.append(_issue_block("API Server Certs", issues))
    return lines


def ingress_lines(secret: str, cert: Resolved | None, now: datetime) -> list[Line]:
    """The "Ingress Certificate" line for the default IngressController's certificate
    (``cert`` None: no ``defaultCertificate``, the operator's own certificate is in use)."""
    if cert is None:
        return [
            _ok(
                "Ingress Certificate: no defaultCertificate configured on "
                "IngressController/default (the ingress operator's own certificate is in use, "
                "checked with the openshift-ingress TLS secrets)"
            )
        ]
    if isinstance(cert, str):
        return [
            _warn(f"Ingress Certificate: failed to read {secret} in openshift-ingress - {cert}")
        ]
    entry = (
        f"secret: {secret}, subject: {cert.subject}, issuer: {cert.issuer}, expires: "
        f"{cert.expires()} - {cert.status(now)}"
    )
    return [(_warn if cert.needs_attention(now) else _ok)(f"Ingress Certificate: {entry}")]


def component_route_lines(results: list[RouteCertResult], now: datetime) -> list[Line]:
    """The "Component Route Certs" lines (OAuth, console...: customer-supplied)."""
    if not results:
        return [
            _ok(
                "Component Route Certs: no custom component route certificates configured "
                "(OAuth, console use default certs)"
            )
        ]
    healthy: list[str] = []
    issues: list[str] = []
    for result in results:
        if isinstance(result.cert, str):
            issues.append(f"{result.component} (secret: {result.secret}): {result.cert}")
            continue
        cert = result.cert
        entry = (
            f"{result.component} (secret: {result.secret}, subject: {cert.subject}, issuer: "
            f"{cert.issuer}, expires: {cert.expires()}) - {cert.status(now)}"
        )
        (issues if cert.needs_attention(now) else healthy).append(entry)
    lines = [_ok(f"Component Route Certs: {entry}") for entry in healthy]
    if issues:
        lines.append(_issue_block("Component Route Certs", issues))
        lines.append(
            _warn(
                "Component Route Certs: customer-supplied certificates require customer action "
                "to rotate"
            )
        )
    return lines


def tls_secret_lines(namespaces: list[SecretCerts], now: datetime) -> list[Line]:
    """The "TLS Secrets" lines: one per namespace without issues, one listing every issue."""
    lines, issues = [], []
    for found in namespaces:
        ns = found.namespace
        if found.error is not None:
            lines.append(_warn(f"TLS Secrets ({ns}): failed to list - {found.error}"))
            continue
        ns_issues = []
        for name, cert in found.secrets:
            if isinstance(cert, str):
                ns_issues.append(f"{ns}/{name}: failed to parse - {cert}")
            elif cert.needs_attention(now):
                ns_issues.append(
                    f"{ns}/{name} (subject: {cert.subject}, issuer: {cert.issuer}, expires: "
                    f"{cert.expires()}) - {cert.status(now)}"
                )
        if ns_issues:
            issues.extend(ns_issues)
        elif not found.secrets:
            lines.append(_ok(f"TLS Secrets ({ns}): no TLS secrets found"))
        else:
            lines.append(_ok(f"TLS Secrets ({ns}): all {len(found.secrets)} TLS secrets are valid"))
    if issues:
        lines.append(
            _warn(
                f"TLS Secrets: {len(issues)} expired or expiring certificate(s):\n  "
                + "\n  ".join(issues)
            )
        )
    return lines
