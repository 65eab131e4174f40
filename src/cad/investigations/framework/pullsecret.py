"""Pull-secret validation: the cluster's pull secret against the owner's OCM data (pure).

The original's ``pkg/pullsecret`` (from osdctl's ``validate-pull-secret-ext``): the Secret
``openshift-config/pull-secret`` holds ``.dockerconfigjson``, a Docker config whose ``auths``
map registry hosts to ``{auth, email}``, ``auth`` being ``base64(username:token)``.

* :func:`validate_email` compares the ``cloud.openshift.com`` email with the owner's.
* :func:`validate_registry_credentials` compares, for each of the owner's OCM registry
  credentials, the entry of its registry: email, and ``username:token``.

Tokens are secrets: no warning, error, repr or log line here ever holds one, nor any part
of the secret's content. Errors say what is wrong, never what the value was.

::

    PullSecretError                 the pull secret cannot be read as a Docker config
    ├── SecretDataEmptyError
    ├── MissingDockerConfigJsonError
    ├── ParseSecretError
    ├── SecretAuthNotFoundError     no ``auths`` entry for a registry
    └── AuthEmailNotFoundError      the entry has no email
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from cad.investigations.framework.errors import InvestigationError

__all__ = [
    "CLOUD_OPENSHIFT_COM",
    "PULL_SECRET_NAME",
    "PULL_SECRET_NAMESPACE",
    "AuthEmailNotFoundError",
    "DockerAuth",
    "MissingDockerConfigJsonError",
    "OwnerCredential",
    "ParseSecretError",
    "PullSecretError",
    "RegistryCheck",
    "SecretAuthNotFoundError",
    "SecretDataEmptyError",
    "ValidationResult",
    "auth_email",
    "docker_auths",
    "validate_email",
    "validate_registry_credentials",
]

PULL_SECRET_NAME = "pull-secret"  # noqa: S105  # a name, not a password
PULL_SECRET_NAMESPACE = "openshift-config"  # noqa: S105  # a namespace
CLOUD_OPENSHIFT_COM = "cloud.openshift.com"
_KEY = ".dockerconfigjson"


class PullSecretError(InvestigationError):
    """The pull secret cannot be read as a Docker config with the entry asked for."""


class SecretDataEmptyError(PullSecretError):
    """The Secret has no data at all."""

    def __init__(self) -> None:
        super().__init__("pull secret data is empty")


class MissingDockerConfigJsonError(PullSecretError):
    """The Secret has data, but no ``.dockerconfigjson``."""

    def __init__(self) -> None:
        super().__init__("secret missing '.dockerconfigjson'")


class ParseSecretError(PullSecretError):
    """``.dockerconfigjson`` is not base64-encoded JSON of a Docker config."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"failed to parse pull secret: {reason}")


class SecretAuthNotFoundError(PullSecretError):
    """``auths`` has no entry for the registry."""

    def __init__(self, auth: str) -> None:
        self.auth = auth
        super().__init__(f"auth '{auth}' not found in pull secret")


class AuthEmailNotFoundError(PullSecretError):
    """The registry's entry has an empty (or no) email."""

    def __init__(self, auth: str) -> None:
        self.auth = auth
        super().__init__(f"email is empty for auth '{auth}'")


@dataclass(frozen=True)
class DockerAuth:
    """One ``auths`` entry. ``auth`` is ``base64(username:token)``: never shown."""

    email: str = ""
    auth: str = field(default="", repr=False)


@dataclass(frozen=True)
class OwnerCredential:
    """One of the owner's OCM registry credentials, its registry resolved to a name.

    ``registry_name`` is ``None`` when the registry could not be read (``lookup_error``
    says why) or the credential names none (``registry_id`` empty)."""

    registry_id: str
    registry_name: str | None
    username: str = ""
    token: str = field(default="", repr=False)
    lookup_error: str = ""


@dataclass
class ValidationResult:
    """Whether the check passed, and the warnings for the notes."""

    valid: bool = True
    warnings: list[str] = field(default_factory=list)

    def warn(self, text: str) -> None:
        """Record a problem: the result is no longer valid."""
        self.valid = False
        self.warnings.append(text)


@dataclass(frozen=True)
class RegistryCheck:
    """How one registry credential compared (for debug logs: no secret in it)."""

    registry: str
    email_match: bool = False
    token_match: bool = False
    error: str = ""


def docker_auths(secret: dict[str, Any]) -> dict[str, DockerAuth]:
    """The ``auths`` of the Secret's ``.dockerconfigjson`` (a Secret as the API returns it:
    ``data`` values base64-encoded). Raises a :class:`PullSecretError`."""
    data = secret.get("data")
    if not data:
        raise SecretDataEmptyError
    if _KEY not in data:
        raise MissingDockerConfigJsonError
    try:
        raw = base64.b64decode(str(data[_KEY]), validate=True)
    except (binascii.Error, ValueError):
        raise ParseSecretError("the .dockerconfigjson value is not base64") from None
    try:
        config = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        # JSONDecodeError's message names a position, never the content
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise ParseSecretError(f"not JSON ({reason})") from None
    if not isinstance(config, dict):
        raise ParseSecretError("not a JSON object")
    auths = config.get("auths") or {}
    if not isinstance(auths, dict):
        raise ParseSecretError("'auths' is not an object")
    parsed = {}
    for host, entry in auths.items():
        if not isinstance(entry, dict):
            raise ParseSecretError(f"auths['{host}'] is not an object")
        email, auth = entry.get("email") or "", entry.get("auth") or ""
        if not isinstance(email, str) or not isinstance(auth, str):
            raise ParseSecretError(f"auths['{host}'] has a field that is not a string")
        parsed[str(host)] = DockerAuth(email=email, auth=auth)
    return parsed


def auth_email(secret: dict[str, Any], auth_key: str) -> str:
    """The email of the ``auth_key`` entry (the original's ``GetAuthEmail``)."""
    auth = docker_auths(secret).get(auth_key)
    if auth is None:
        raise SecretAuthNotFoundError(auth_key)
    if not auth.email:
        raise AuthEmailNotFoundError(auth_key)
    return auth.email


def validate_email(secret: dict[str, Any], ocm_email: str) -> ValidationResult:
    """The ``cloud.openshift.com`` email against the owner's (``ValidateEmailWithSecret``)."""
    result = ValidationResult()
    try:
        cluster_email = auth_email(secret, CLOUD_OPENSHIFT_COM)
    except SecretAuthNotFoundError as exc:
        result.warn(
            f"{exc.auth} not found in cluster pull secret. "
            "This indicates the pull secret may be misconfigured."
        )
    except AuthEmailNotFoundError as exc:
        result.warn(
            f"{exc.auth} email is empty in cluster pull secret. "
            "This indicates the pull secret may be misconfigured."
        )
    except ParseSecretError as exc:
        result.warn(f"Failed to parse pull secret: {exc.reason}")
    except SecretDataEmptyError:
        result.warn("Cluster pull secret Data is empty.")
    except MissingDockerConfigJsonError:
        result.warn("Cluster pull secret does not contain the necessary .dockerconfigjson")
    else:
        if cluster_email != ocm_email:
            result.warn("Pull secret does not match on cluster and in OCM.")
    return result


def validate_registry_credentials(
    secret: dict[str, Any], credentials: list[OwnerCredential], ocm_email: str
) -> tuple[ValidationResult, list[RegistryCheck]]:
    """Each OCM registry credential against its registry's entry in the pull secret
    (``ValidateRegistryCredentials`` once the secret and the credentials are read)."""
    result = ValidationResult()
    if not credentials:
        result.warnings.append("No registry credentials found in OCM for this account")
        return result, []
    try:
        auths = docker_auths(secret)
    except ParseSecretError as exc:
        result.warn(f"Failed to parse pull secret: {exc.reason}")
        return result, []
    except PullSecretError:  # no data, or no .dockerconfigjson: the original says the latter
        result.warn("Cluster pull secret does not contain the necessary .dockerconfigjson")
        return result, []
    return result, [_check_credential(c, auths, ocm_email, result) for c in credentials]


def _check_credential(
    credential: OwnerCredential,
    auths: dict[str, DockerAuth],
    ocm_email: str,
    result: ValidationResult,
) -> RegistryCheck:
    registry_id = credential.registry_id
    if not registry_id:
        result.warn("Registry credential has no associated registry")
        return RegistryCheck("", error="registry credential has no associated registry")
    if credential.lookup_error:
        result.warn(f"Failed to fetch registry '{registry_id}' from OCM: {credential.lookup_error}")
        return RegistryCheck(registry_id, error="failed to fetch registry from OCM")
    name = credential.registry_name
    if not name:
        result.warn(f"Empty registry name for registry ID '{registry_id}'")
        return RegistryCheck(registry_id, error="empty registry name from OCM")
    entry = auths.get(name)
    if entry is None:
        result.warn(f"Registry '{name}' not found in cluster pull secret")
        return RegistryCheck(name, error=str(SecretAuthNotFoundError(name)))
    email_match = entry.email == ocm_email
    if not email_match:
        result.warn(f"Pull secret auth['{name}'].email does not match OCM account email")
    if not credential.token or not credential.username:
        result.warn(f"Empty token or username in OCM for registry '{name}'")
        return RegistryCheck(name, email_match, error="empty token or username in OCM")
    try:
        cluster_auth = base64.b64decode(entry.auth, validate=True)
    except (binascii.Error, ValueError):
        result.warn(f"Failed to decode token in cluster pull secret for registry '{name}'")
        return RegistryCheck(name, email_match, error="failed to decode cluster token")
    expected = f"{credential.username}:{credential.token}".encode()
    token_match = hmac.compare_digest(cluster_auth, expected)
    if not token_match:
        result.warn(
            f"Registry credential token for '{name}' does not match between cluster and OCM"
        )
    return RegistryCheck(name, email_match, token_match)
