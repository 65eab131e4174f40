"""The pull-secret step both owner investigations share: read the cluster's pull secret and
the owner's OCM registry credentials, compare them (:mod:`.pullsecret`), write the findings
on the notes. No token reaches a note or a log line."""

from __future__ import annotations

from typing import Any

import structlog

from cad.actions import NoteWriter
from cad.clients.kube import KINDS
from cad.clients.ocm.models import Account
from cad.errors import ClientError, is_transient
from cad.investigations.framework.errors import InfrastructureError
from cad.investigations.framework.pullsecret import (
    PULL_SECRET_NAME,
    PULL_SECRET_NAMESPACE,
    OwnerCredential,
    validate_email,
    validate_registry_credentials,
)
from cad.investigations.framework.readers import KubeRead, OcmRead

__all__ = ["PULL_SECRET_MATCHES", "check_pull_secret", "owner_credentials"]

LOGGER = "cad.investigations.pullsecret"

# a note line, not a password
PULL_SECRET_MATCHES = "Pull Secret matches on cluster and in OCM. Please continue investigation."  # noqa: S105


def check_pull_secret(kube: KubeRead, ocm: OcmRead, owner: Account, notes: NoteWriter) -> None:
    """Compare the pull secret with the owner's email and registry credentials; write a
    warning per mismatch, or the success line when the email matches and nothing is wrong.

    A transient failure reading the secret raises :class:`InfrastructureError` (the runner
    retries); a permanent one (missing, forbidden) is a warning, as in the original."""
    try:
        secret = kube.get(KINDS["Secret"], PULL_SECRET_NAME, namespace=PULL_SECRET_NAMESPACE)
    except ClientError as exc:
        if is_transient(exc):
            raise InfrastructureError("K8s API failure reading the pull secret", exc) from exc
        notes.warning(f"Failed to get pull secret from cluster: {exc}")
        return
    email = validate_email(secret, owner.email)
    written = list(email.warnings)
    for warning in written:
        notes.warning(warning)
    if email.valid and not email.warnings:
        notes.success(PULL_SECRET_MATCHES)
    for warning in _registry_warnings(secret, ocm, owner):
        if warning not in written:  # the same fault of the secret, said once
            notes.warning(warning)


def _registry_warnings(secret: dict[str, Any], ocm: OcmRead, owner: Account) -> list[str]:
    try:
        credentials = owner_credentials(ocm, owner.id)
    except ClientError as exc:
        return [f"Failed to get registry credentials from OCM: {exc}"]
    result, checks = validate_registry_credentials(secret, credentials, owner.email)
    log = structlog.get_logger(LOGGER)  # at call time: tests capture it at debug level
    for check in checks:
        log.debug(
            "registry credential compared",
            registry=check.registry,
            email_match=check.email_match,
            token_match=check.token_match,
            error=check.error or None,
        )
    return result.warnings


def owner_credentials(ocm: OcmRead, account_id: str) -> list[OwnerCredential]:
    """The account's OCM registry credentials with their registries' names; a registry that
    cannot be read is recorded on its credential, not raised. Listing failures raise."""
    names: dict[str, str | ClientError] = {}
    resolved = []
    for credential in ocm.list_registry_credentials(account_id):
        registry_id = credential.registry_id
        if registry_id and registry_id not in names:
            try:
                names[registry_id] = ocm.get_registry(registry_id).name
            except ClientError as exc:
                names[registry_id] = exc
        name = names.get(registry_id)
        resolved.append(
            OwnerCredential(
                registry_id=registry_id,
                registry_name=name if isinstance(name, str) else None,
                username=credential.username,
                token=credential.token,
                lookup_error=str(name) if isinstance(name, ClientError) else "",
            )
        )
    return resolved
