"""expiredcertificates: the original's test cases as tables over the pure checks (real X.509
certificates made with ``cryptography``), then the investigation against an in-memory
cluster, on CAD's clock."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cad.config.investigation_config import load_default_config
from cad.errors import ForbiddenError, ServerError
from cad.investigations.expiredcertificates import checks
from cad.investigations.expiredcertificates.checks import (
    CertificateError,
    NamedCertResult,
    RouteCertResult,
    SecretCerts,
)
from cad.investigations.expiredcertificates.investigation import ExpiredCertificates
from cad.investigations.expiredcertificates.models import default_certificate
from cad.investigations.framework.errors import ClusterLookupError
from cad.investigations.registry import REGISTRY
from cad.testing.readers import NOW, FakeWorld, cluster

from .helpers import note_text, types

KEY = ec.generate_private_key(ec.SECP256R1())
DAY = timedelta(days=1)


def pem(
    cn: str, not_before: datetime, not_after: datetime, *dns: str, issuer: str = "Test CA"
) -> bytes:
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if dns:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False
        )
    return builder.sign(KEY, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def valid(cn: str, *dns: str) -> bytes:
    return pem(cn, NOW - DAY, NOW + 365 * DAY, *dns)


def expired(cn: str) -> bytes:
    return pem(cn, NOW - 2 * DAY, NOW - timedelta(hours=1))


def expiring(cn: str) -> bytes:
    return pem(cn, NOW - DAY, NOW + 7 * DAY - timedelta(minutes=1))


def tls_secret(
    namespace: str, name: str, crt: bytes, kind: str = "kubernetes.io/tls"
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": kind,
        "metadata": {"namespace": namespace, "name": name},
        "data": {
            "tls.crt": base64.b64encode(crt).decode(),
            "tls.key": base64.b64encode(b"key material that must never be read").decode(),
        },
    }


def api_server(*named: tuple[str, list[str]]) -> dict[str, Any]:
    certs = [{"names": names, "servingCertificate": {"name": secret}} for secret, names in named]
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "APIServer",
        "metadata": {"name": "cluster"},
        "spec": {"servingCerts": {"namedCertificates": certs}},
    }


def ingress_config(*routes: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "config.openshift.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "cluster"},
        "spec": {
            "componentRoutes": [
                {"namespace": ns, "name": name, "hostname": "oauth.example.com",
                 "servingCertKeyPairSecret": {"name": secret}}
                for ns, name, secret in routes
            ]
        },
    }  # fmt: skip


def ingress_controller(secret: str = "") -> dict[str, Any]:
    spec = {"defaultCertificate": {"name": secret}} if secret else {}
    return {
        "apiVersion": "operator.openshift.io/v1",
        "kind": "IngressController",
        "metadata": {"namespace": "openshift-ingress-operator", "name": "default"},
        "spec": spec,
    }


def text(lines: list[checks.Line]) -> str:
    return "\n".join(t for _, t in lines)


def cert(crt: bytes) -> checks.CertInfo:
    return checks.parse_tls_cert(crt)


# --- parsing and status -------------------------------------------------------------------


def test_a_valid_certificate_gives_its_subject_and_sans_and_is_neither_expired_nor_expiring() -> (
    None
):
    info = cert(valid("test.example.com", "test.example.com", "*.test.example.com"))
    assert info.subject == "test.example.com"
    assert info.issuer == "Test CA"
    assert info.sans == ("test.example.com", "*.test.example.com")
    assert not info.expired(NOW)
    assert not info.expiring_soon(NOW)
    assert info.status(NOW) == "valid (expires in 365d)"


@pytest.mark.parametrize(
    ("crt", "status"),
    [
        (expired("e.example.com"), "EXPIRED (expired 0d ago)"),
        (pem("e", NOW - 9 * DAY, NOW - 3 * DAY - timedelta(hours=5)), "EXPIRED (expired 3d ago)"),
        (expiring("x.example.com"), "EXPIRING SOON (expires in 6d)"),
        (pem("x", NOW - DAY, NOW + 7 * DAY), "valid (expires in 7d)"),
        (pem("x", NOW - DAY, NOW), "EXPIRING SOON (expires in 0d)"),
    ],
    ids=["expired", "expired-3-days", "expiring-soon", "exactly-7-days-is-valid", "expires-now"],
)
def test_status_counts_whole_days_on_cads_clock(crt: bytes, status: str) -> None:
    assert cert(crt).status(NOW) == status


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty certificate data"),
        (b"not a pem block", "failed to decode PEM block"),
        (b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n", "failed to parse certificate"),
    ],
    ids=["empty", "not-pem", "not-a-certificate"],
)  # fmt: skip
def test_unreadable_certificate_data_is_an_error_naming_why(data: bytes, message: str) -> None:
    with pytest.raises(CertificateError, match=message):
        checks.parse_tls_cert(data)


def test_every_certificate_of_the_bundle_counts_not_only_the_first() -> None:
    bundle = valid("leaf.example.com") + pem("Intermediate CA", NOW - DAY, NOW + 2 * DAY)
    info = cert(bundle)
    assert info.subject == "leaf.example.com"
    assert info.expiring_soon(NOW)
    assert info.status(NOW) == (
        "EXPIRING SOON (expires in 2d) [chain certificate 'Intermediate CA' expires before the leaf]"
    )


def test_a_secret_is_read_from_its_base64_data() -> None:
    secret = tls_secret("openshift-config", "s", valid("a"))
    assert checks.secret_certificate(secret).subject == "a"
    with pytest.raises(CertificateError, match="empty certificate data"):
        checks.secret_certificate({"data": {}})


# --- API server, ingress, component routes ------------------------------------------------


@pytest.mark.parametrize(
    ("results", "expected", "unexpected"),
    [
        ([], ["API Server Certs: no named serving certificates configured"], []),
        (
            [NamedCertResult("api-cert", ("api.example.com",), cert(valid("api.example.com", "api.example.com")))],
            ["API Server Certs: api-cert (names: api.example.com, subject: api.example.com, issuer: Test CA"],
            ["issue(s)"],
        ),
        (
            [NamedCertResult("api-cert", ("api.example.com",), cert(expired("api.example.com")))],
            ["API Server Certs: 1 issue(s):\n  api-cert", "EXPIRED"],
            [],
        ),
        (
            [NamedCertResult("api-cert", (), cert(valid("api", "api.example.com", "api2.example.com")))],
            ["names: api.example.com, api2.example.com"],
            [],
        ),
        (
            [NamedCertResult("gone", (), "failed to get secret openshift-config/gone: not found")],
            ["1 issue(s):\n  gone: failed to get secret openshift-config/gone: not found"],
            [],
        ),
    ],
    ids=["no-certs", "valid", "expired", "names-from-sans", "unreadable-secret"],
)  # fmt: skip
def test_api_server_named_certificates(
    results: list[NamedCertResult], expected: list[str], unexpected: list[str]
) -> None:
    lines = text(checks.api_server_lines(results, NOW))
    for fragment in expected:
        assert fragment in lines
    for fragment in unexpected:
        assert fragment not in lines


@pytest.mark.parametrize(
    ("cert_", "kind", "fragment"),
    [
        (cert(valid("*.apps.example.com")), "success", "secret: ingress-cert, subject: *.apps.example.com, issuer: Test CA, expires: 2027-11-29T10:00:00Z - valid"),
        (cert(expired("*.apps.example.com")), "warning", "EXPIRED"),
        (None, "success", "no defaultCertificate configured on IngressController/default"),
        ("failed to get secret openshift-ingress/ingress-cert: 404", "warning", "failed to read ingress-cert in openshift-ingress - failed to get secret"),
    ],
    ids=["valid", "expired", "not-configured-is-the-default-not-a-problem", "unreadable"],
)  # fmt: skip
def test_the_default_ingress_certificate(cert_: Any, kind: str, fragment: str) -> None:
    [(line_kind, line)] = checks.ingress_lines("ingress-cert", cert_, NOW)
    assert line.startswith("Ingress Certificate: ")
    assert (line_kind, fragment in line) == (kind, True)


@pytest.mark.parametrize(
    ("obj", "secret"),
    [
        (ingress_controller("custom-ingress-cert"), "custom-ingress-cert"),
        (ingress_controller(), ""),
    ],
    ids=["with-cert", "no-cert"],
)
def test_the_ingress_controller_names_its_certificate_secret(
    obj: dict[str, Any], secret: str
) -> None:
    assert default_certificate(obj) == secret


@pytest.mark.parametrize(
    ("results", "expected", "unexpected"),
    [
        ([], ["no custom component route certificates"], []),
        (
            [RouteCertResult("openshift-authentication/oauth-openshift", "oauth-cert", cert(valid("oauth.example.com")))],
            ["Component Route Certs: openshift-authentication/oauth-openshift (secret: oauth-cert"],
            ["issue(s)", "customer-supplied"],
        ),
        (
            [RouteCertResult("openshift-authentication/oauth-openshift", "oauth-cert", cert(expired("oauth.example.com")))],
            ["1 issue(s)", "EXPIRED", "customer-supplied certificates require customer action to rotate"],
            [],
        ),
    ],
    ids=["none-configured", "valid-oauth", "expired-oauth"],
)  # fmt: skip
def test_component_route_certificates(
    results: list[RouteCertResult], expected: list[str], unexpected: list[str]
) -> None:
    lines = text(checks.component_route_lines(results, NOW))
    for fragment in expected:
        assert fragment in lines
    for fragment in unexpected:
        assert fragment not in lines


# --- TLS secrets of the critical namespaces -----------------------------------------------


@pytest.mark.parametrize(
    ("namespaces", "expected", "unexpected"),
    [
        (
            [SecretCerts("openshift-config", (("cert-1", cert(valid("c1"))),)),
             SecretCerts("openshift-ingress", (("router-certs-default", cert(valid("*.apps"))),)),
             SecretCerts("openshift-config-managed")],
            ["TLS Secrets (openshift-config): all 1 TLS secrets are valid",
             "TLS Secrets (openshift-config-managed): no TLS secrets found"],
            ["expired or expiring"],
        ),
        (
            [SecretCerts("openshift-config", (("good-cert", cert(valid("g"))), ("bad-cert", cert(expired("b")))))],
            ["TLS Secrets: 1 expired or expiring certificate(s):\n  openshift-config/bad-cert (subject: b"],
            ["good-cert"],
        ),
        (
            [SecretCerts("openshift-config", (("broken", "failed to decode PEM block"),))],
            ["openshift-config/broken: failed to parse - failed to decode PEM block"],
            [],
        ),
        (
            [SecretCerts("openshift-service-ca", error="HTTP 503")],
            ["TLS Secrets (openshift-service-ca): failed to list - HTTP 503"],
            [],
        ),
    ],
    ids=["all-valid", "expired", "unparsable", "list-failed"],
)  # fmt: skip
def test_tls_secrets_of_the_critical_namespaces(
    namespaces: list[SecretCerts], expected: list[str], unexpected: list[str]
) -> None:
    lines = text(checks.tls_secret_lines(namespaces, NOW))
    for fragment in expected:
        assert fragment in lines
    for fragment in unexpected:
        assert fragment not in lines


# --- the investigation --------------------------------------------------------------------


def run(world: FakeWorld) -> Any:
    return ExpiredCertificates().run(world.resources("expiredcertificates"))


def healthy_objects() -> list[dict[str, Any]]:
    return [
        api_server(),
        ingress_config(),
        ingress_controller("ingress-cert"),
        tls_secret("openshift-ingress", "ingress-cert", valid("*.apps.example.com")),
    ]


def test_it_is_registered_under_the_originals_name() -> None:
    assert REGISTRY.resolve("expiredcertificates") is ExpiredCertificates


def test_it_is_a_chain_step_the_shipped_config_does_not_route_alone() -> None:
    config = load_default_config(known=REGISTRY.names())
    for alert in config.alerts:
        assert "expiredcertificates" not in [e.name for e in alert.investigations]


def test_a_healthy_cluster_gets_a_report_and_a_note_and_no_handover() -> None:
    result = run(FakeWorld(objects=healthy_objects()))
    assert types(result) == ["backplane_report", "pagerduty_note"]
    assert result.stop is None
    note = note_text(result)
    assert "⚠️" not in note
    assert "✅ TLS Secrets (openshift-ingress): all 1 TLS secrets are valid" in note


def test_the_threshold_is_measured_on_cads_clock_not_the_wall_clock() -> None:
    world = FakeWorld(
        now=datetime(2020, 1, 1, tzinfo=NOW.tzinfo),
        objects=[*healthy_objects()[:3], tls_secret("openshift-ingress", "ingress-cert", pem("a", datetime(2019, 1, 1, tzinfo=NOW.tzinfo), datetime(2020, 1, 4, tzinfo=NOW.tzinfo)))],
    )  # fmt: skip
    assert "EXPIRING SOON (expires in 3d)" in note_text(run(world))


def test_expired_certificates_are_warned_about_everywhere_they_are_used() -> None:
    world = FakeWorld(
        objects=[
            api_server(("api-cert", ["api.example.com"])),
            ingress_config(("openshift-authentication", "oauth-openshift", "oauth-cert")),
            ingress_controller("ingress-cert"),
            tls_secret("openshift-config", "api-cert", expired("api.example.com")),
            tls_secret("openshift-config", "oauth-cert", expiring("oauth.example.com")),
            tls_secret("openshift-ingress", "ingress-cert", valid("*.apps.example.com")),
            tls_secret("openshift-config", "opaque", b"", kind="Opaque"),
        ]
    )
    result = run(world)
    assert types(result) == ["backplane_report", "pagerduty_note"]
    note = note_text(result)
    assert "⚠️ API Server Certs: 1 issue(s):\n  api-cert (names: api.example.com" in note
    assert "⚠️ Component Route Certs: 1 issue(s)" in note
    assert "✅ Ingress Certificate: secret: ingress-cert" in note
    assert "⚠️ TLS Secrets: 2 expired or expiring certificate(s)" in note
    assert "opaque" not in note
    assert "key material" not in note


def test_on_hcp_the_api_server_certificates_are_skipped() -> None:
    world = FakeWorld(cluster=cluster(hcp=True), objects=healthy_objects())
    world.objects[0] = api_server(("api-cert", []))  # would be an issue if read
    note = note_text(run(world))
    assert (
        "API Server Certs: skipped (secret access on management cluster is restricted by backplane)"
        in note
    )
    assert "api-cert" not in note


def test_an_unreachable_cluster_api_is_noted_and_the_chain_goes_on() -> None:
    world = FakeWorld()
    world.fail["open_kube"] = ForbiddenError(
        "no", system="backplane", endpoint="POST /x", status=403
    )
    result = run(world)
    assert types(result) == ["pagerduty_note"]
    assert result.stop is None
    assert (
        "CAD was unable to get credentials to the cluster. Please investigate manually."
        in note_text(result)
    )


def test_api_failures_become_warnings_of_their_section() -> None:
    world = FakeWorld(objects=healthy_objects())
    world.fail["kube_list"] = ServerError("503", system="kubernetes", endpoint="GET", status=503)
    note = note_text(run(world))
    assert "⚠️ API Server Certs: failed to get APIServer config - " in note
    assert "⚠️ Ingress Certificate: could not read IngressController/default - " in note
    assert "no defaultCertificate configured" not in note
    assert "⚠️ TLS Secrets (openshift-config): failed to list - " in note


def test_a_cluster_that_cannot_be_found_is_not_this_investigations_finding() -> None:
    with pytest.raises(ClusterLookupError):
        run(FakeWorld(cluster=None))
