"""The references to certificate secrets this investigation follows, parsed from the API's
plain dicts (unknown fields ignored): the APIServer's named serving certificates, the
Ingress config's component routes, the default IngressController's certificate."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from cad.investigations.framework.kube_models import KubeModel

__all__ = [
    "ComponentRoute",
    "NamedCertificate",
    "component_routes",
    "default_certificate",
    "named_certificates",
]


class _SecretReference(KubeModel):
    name: str = ""


class NamedCertificate(KubeModel):
    """One of ``APIServer.spec.servingCerts.namedCertificates``."""

    names: tuple[str, ...] = ()
    serving_certificate: _SecretReference = Field(
        default_factory=_SecretReference, alias="servingCertificate"
    )

    @property
    def secret(self) -> str:
        return self.serving_certificate.name


class ComponentRoute(KubeModel):
    """One of ``Ingress.spec.componentRoutes`` (OAuth, console, downloads...)."""

    namespace: str = ""
    name: str = ""
    serving_cert_key_pair_secret: _SecretReference = Field(
        default_factory=_SecretReference, alias="servingCertKeyPairSecret"
    )

    @property
    def secret(self) -> str:
        return self.serving_cert_key_pair_secret.name

    @property
    def component(self) -> str:
        return f"{self.namespace}/{self.name}"


def named_certificates(api_server: dict[str, Any]) -> list[NamedCertificate]:
    """The APIServer's named serving certificates."""
    serving = ((api_server.get("spec") or {}).get("servingCerts")) or {}
    return [NamedCertificate.model_validate(c) for c in serving.get("namedCertificates") or []]


def component_routes(ingress: dict[str, Any]) -> list[ComponentRoute]:
    """The Ingress config's component routes."""
    routes = (ingress.get("spec") or {}).get("componentRoutes") or []
    return [ComponentRoute.model_validate(r) for r in routes]


def default_certificate(ingress_controller: dict[str, Any]) -> str:
    """The secret named by the IngressController's ``spec.defaultCertificate`` ("" if none)."""
    reference = (ingress_controller.get("spec") or {}).get("defaultCertificate") or {}
    return str(reference.get("name") or "")
