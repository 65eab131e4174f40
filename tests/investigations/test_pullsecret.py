"""Pull-secret validation and the owner's ban: the original's pkg/pullsecret test cases, the
registry comparison, and the rule that no token ever reaches a note, a warning or a log."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest
import structlog

from cad.actions import NoteWriter, ServiceLog
from cad.clients.ocm.models import Account, Registry, RegistryCredential
from cad.errors import ForbiddenError, NotFoundError, ServerError
from cad.investigations.framework.errors import InfrastructureError
from cad.investigations.framework.ownerban import (
    BANNED_OWNER_SL_DESCRIPTION,
    BANNED_OWNER_SL_SUMMARY,
    banned_owner_service_log,
    owner_ban,
)
from cad.investigations.framework.pullsecret import (
    CLOUD_OPENSHIFT_COM,
    AuthEmailNotFoundError,
    MissingDockerConfigJsonError,
    OwnerCredential,
    ParseSecretError,
    SecretAuthNotFoundError,
    SecretDataEmptyError,
    auth_email,
    validate_email,
    validate_registry_credentials,
)
from cad.investigations.framework.pullsecret_check import (
    PULL_SECRET_MATCHES,
    check_pull_secret,
    owner_credentials,
)
from cad.testing.readers import FakeWorld

TOKEN = "s3cr3t-t0ken-never-shown"  # a fake token the tests look for


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def pull_secret(docker_config: str | None = None, *, data: Any = "default") -> dict[str, Any]:
    """The Secret as the Kubernetes API returns it: data values base64-encoded."""
    if data == "default":
        data = {".dockerconfigjson": b64(docker_config or "{}")}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "pull-secret", "namespace": "openshift-config"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": data,
    }


def docker_config(**auths: dict[str, str]) -> str:
    return json.dumps({"auths": {host.replace("_", "."): a for host, a in auths.items()}})


# --- GetAuthEmail (the original's TestGetAuthEmail and TestGetAuthEmail_SecretErrors) ------

FULL_PULL_SECRET = (
    '{"auths":{"950916221866.dkr.ecr.us-east-1.amazonaws.com":{"auth":"testTokenValue",'
    '"email":""},"cloud.openshift.com":{"auth":"TestAuthValue","email":'
    '"test_fake_email@redhat.com"},"registry.redhat.io":{"auth":"TestPersonalTokenTwo",'
    '"email":"test_fake_email@redhat.com"}}}'
)


@pytest.mark.parametrize(
    ("secret_data", "expected"),
    [
        pytest.param(
            '{"auths":{"cloud.openshift.com":{"auth":"TestAuthValue","email":"test_user@redhat.com"}}}',
            "test_user@redhat.com",
            id="happy path - email extracted successfully",
        ),
        pytest.param(
            '{"auths":{"registry.redhat.io":{"auth":"TestToken","email":"test@example.com"}}}',
            SecretAuthNotFoundError,
            id="missing auth entry",
        ),
        pytest.param(
            '{"auths":{"cloud.openshift.com":{"auth":"TestAuthValue","email":""}}}',
            AuthEmailNotFoundError,
            id="empty email",
        ),
        pytest.param(
            '{"auths":{"cloud.openshift.com":{"auth":"TestAuthValue"}}}',
            AuthEmailNotFoundError,
            id="no email field",
        ),
        pytest.param(
            FULL_PULL_SECRET, "test_fake_email@redhat.com", id="full pull secret with valid email"
        ),
    ],
)
def test_the_cloud_openshift_com_email_is_read_from_the_pull_secret(
    secret_data: str, expected: str | type[Exception]
) -> None:
    secret = pull_secret(secret_data)
    if isinstance(expected, str):
        assert auth_email(secret, CLOUD_OPENSHIFT_COM) == expected
    else:
        with pytest.raises(expected) as caught:
            auth_email(secret, CLOUD_OPENSHIFT_COM)
        assert getattr(caught.value, "auth", None) == CLOUD_OPENSHIFT_COM


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(None, SecretDataEmptyError, id="empty secret data"),
        pytest.param({"wrong-key": b64("{}")}, MissingDockerConfigJsonError, id="missing key"),
        pytest.param({".dockerconfigjson": "%%%"}, ParseSecretError, id="not base64"),
        pytest.param({".dockerconfigjson": b64("{")}, ParseSecretError, id="not JSON"),
        pytest.param({".dockerconfigjson": b64("[]")}, ParseSecretError, id="not an object"),
    ],
)
def test_a_secret_that_is_not_a_docker_config_says_why(
    data: dict[str, str] | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        auth_email(pull_secret(data=data), CLOUD_OPENSHIFT_COM)


# --- ValidateEmailWithSecret and ValidateEmail -----------------------------------------------


@pytest.mark.parametrize(
    ("secret_data", "ocm_email", "valid", "warning"),
    [
        pytest.param(
            '{"auths":{"cloud.openshift.com":{"auth":"TestAuthValue","email":"test@redhat.com"}}}',
            "test@redhat.com",
            True,
            "",
            id="email matches",
        ),
        pytest.param(
            '{"auths":{"cloud.openshift.com":{"auth":"TestAuthValue","email":"cluster@redhat.com"}}}',
            "ocm@redhat.com",
            False,
            "Pull secret does not match on cluster and in OCM",
            id="email mismatch",
        ),
        pytest.param(
            '{"auths":{"registry.redhat.io":{"auth":"TestAuthValue","email":"test@redhat.com"}}}',
            "test@redhat.com",
            False,
            "not found in cluster pull secret",
            id="missing cloud.openshift.com",
        ),
        pytest.param(
            '{"auths":{"cloud.openshift.com":{"auth":"TestAuthValue","email":""}}}',
            "test@redhat.com",
            False,
            "email is empty in cluster pull secret",
            id="empty email in pull secret",
        ),
    ],
)
def test_the_pull_secret_email_is_compared_with_the_owners(
    secret_data: str, ocm_email: str, valid: bool, warning: str
) -> None:
    result = validate_email(pull_secret(secret_data), ocm_email)
    assert result.valid is valid
    if warning:
        assert any(warning in w for w in result.warnings), result.warnings
    else:
        assert result.warnings == []


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        (None, "Cluster pull secret Data is empty."),
        ({"x": b64("{}")}, "Cluster pull secret does not contain the necessary .dockerconfigjson"),
        ({".dockerconfigjson": b64("{")}, "Failed to parse pull secret: not JSON"),
    ],
)
def test_an_unreadable_pull_secret_is_a_warning_with_the_originals_words(
    data: dict[str, str] | None, warning: str
) -> None:
    result = validate_email(pull_secret(data=data), "o@example.com")
    assert not result.valid
    assert result.warnings[0].startswith(warning)


@pytest.mark.parametrize(
    ("cluster_email", "valid"),
    [("test@redhat.com", True), ("cluster@redhat.com", False)],
    ids=["valid - emails match", "invalid - emails don't match"],
)
def test_the_pull_secret_read_from_the_cluster_is_compared_with_the_owner(
    cluster_email: str, valid: bool
) -> None:
    # the original's TestValidateEmail, through the cluster's API
    world = FakeWorld(
        objects=[pull_secret(docker_config(cloud_openshift_com={"email": cluster_email}))],
        owner=Account(id="a1", email="test@redhat.com"),
    )
    notes = NoteWriter("t")
    check_pull_secret(world, world, world.owner, notes)
    assert (("success", PULL_SECRET_MATCHES) in notes.lines) is valid
    assert any("does not match" in m for k, m in notes.lines if k == "warning") is not valid


# --- registry credentials ------------------------------------------------------------------


def credential(name: str | None = "quay.io", **fields: str) -> OwnerCredential:
    values = {"username": "u", "token": TOKEN, **fields}
    return OwnerCredential(
        registry_id=fields.get("registry_id", f"r-{name}"),
        registry_name=name,
        username=values["username"],
        token=values["token"],
        lookup_error=fields.get("lookup_error", ""),
    )


GOOD_AUTH = b64(f"u:{TOKEN}")


@pytest.mark.parametrize(
    ("auths", "credentials", "warnings", "valid"),
    [
        pytest.param(
            {"quay.io": {"auth": GOOD_AUTH, "email": "o@example.com"}},
            [credential()],
            [],
            True,
            id="email and token match",
        ),
        pytest.param(
            {}, [], ["No registry credentials found in OCM for this account"], True, id="none"
        ),
        pytest.param(
            {},
            [credential(registry_id="")],
            ["Registry credential has no associated registry"],
            False,
            id="no registry",
        ),
        pytest.param(
            {},
            [credential(None, registry_id="r1", lookup_error="ocm GET failed (HTTP 404)")],
            ["Failed to fetch registry 'r1' from OCM: ocm GET failed (HTTP 404)"],
            False,
            id="registry lookup fails",
        ),
        pytest.param(
            {},
            [credential("", registry_id="r1")],
            ["Empty registry name for registry ID 'r1'"],
            False,
            id="empty registry name",
        ),
        pytest.param(
            {},
            [credential()],
            ["Registry 'quay.io' not found in cluster pull secret"],
            False,
            id="registry not in the pull secret",
        ),
        pytest.param(
            {"quay.io": {"auth": GOOD_AUTH, "email": "other@example.com"}},
            [credential()],
            ["Pull secret auth['quay.io'].email does not match OCM account email"],
            False,
            id="email mismatch",
        ),
        pytest.param(
            {"quay.io": {"auth": GOOD_AUTH, "email": "o@example.com"}},
            [credential(token="")],
            ["Empty token or username in OCM for registry 'quay.io'"],
            False,
            id="empty token in OCM",
        ),
        pytest.param(
            {"quay.io": {"auth": "not base64!", "email": "o@example.com"}},
            [credential()],
            ["Failed to decode token in cluster pull secret for registry 'quay.io'"],
            False,
            id="undecodable cluster token",
        ),
        pytest.param(
            {"quay.io": {"auth": b64("u:old-token"), "email": "other@example.com"}},
            [credential()],
            [
                "Pull secret auth['quay.io'].email does not match OCM account email",
                "Registry credential token for 'quay.io' does not match between cluster and OCM",
            ],
            False,
            id="email and token mismatch",
        ),
    ],
)
def test_each_registry_credential_is_compared_with_its_pull_secret_entry(
    auths: dict[str, Any], credentials: list[OwnerCredential], warnings: list[str], valid: bool
) -> None:
    secret = pull_secret(json.dumps({"auths": auths}))
    result, checks = validate_registry_credentials(secret, credentials, "o@example.com")
    assert result.warnings == warnings
    assert result.valid is valid
    assert len(checks) == len(credentials)


def test_a_registry_check_on_an_unreadable_secret_warns_once() -> None:
    result, checks = validate_registry_credentials(
        pull_secret(data=None), [credential()], "o@example.com"
    )
    assert result.warnings == [
        "Cluster pull secret does not contain the necessary .dockerconfigjson"
    ]
    assert checks == []


def test_owner_credentials_name_their_registries_and_keep_lookup_failures() -> None:
    world = FakeWorld(
        registry_credentials=[
            RegistryCredential(registry_id="rq", username="u", token=TOKEN, account_id="a1"),
            RegistryCredential(registry_id="gone", username="u", token=TOKEN, account_id="a1"),
            RegistryCredential(registry_id="rq", username="v", token=TOKEN, account_id="other"),
        ],
        registries={"rq": Registry(id="rq", name="quay.io")},
    )
    resolved = owner_credentials(world, "a1")
    assert [(c.registry_id, c.registry_name) for c in resolved] == [
        ("rq", "quay.io"),
        ("gone", None),
    ]
    assert "registry not found" in resolved[1].lookup_error
    assert world.calls.count("get_registry") == 2


# --- the step both investigations share ------------------------------------------------------


def world_with(secret: dict[str, Any] | None, **kwargs: Any) -> FakeWorld:
    return FakeWorld(
        objects=[secret] if secret else [],
        owner=Account(id="a1", email="o@example.com"),
        **kwargs,
    )


def test_a_missing_pull_secret_is_one_warning() -> None:
    world = world_with(None)
    notes = NoteWriter("t")
    check_pull_secret(world, world, world.owner, notes)
    assert [k for k, _ in notes.lines] == ["warning"]
    assert notes.lines[0][1].startswith("Failed to get pull secret from cluster:")


def test_a_forbidden_pull_secret_is_a_warning_and_a_transient_failure_is_retried() -> None:
    world = world_with(None)
    world.fail["kube_list"] = ForbiddenError("no", system="kubernetes", endpoint="GET", status=403)
    notes = NoteWriter("t")
    check_pull_secret(world, world, world.owner, notes)
    assert "Failed to get pull secret from cluster" in notes.render()
    world.fail["kube_list"] = ServerError("down", system="kubernetes", endpoint="GET", status=503)
    with pytest.raises(InfrastructureError):
        check_pull_secret(world, world, world.owner, NoteWriter("t"))


def test_a_registry_credentials_lookup_failure_is_a_warning() -> None:
    world = world_with(pull_secret(docker_config(cloud_openshift_com={"email": "o@example.com"})))
    world.fail["list_registry_credentials"] = NotFoundError(
        "nope", system="ocm", endpoint="GET /registry_credentials", status=404
    )
    notes = NoteWriter("t")
    check_pull_secret(world, world, world.owner, notes)
    assert notes.lines[0] == ("success", PULL_SECRET_MATCHES)
    assert notes.lines[1][1].startswith("Failed to get registry credentials from OCM: ")


def test_a_fault_of_the_secret_both_checks_see_is_written_once() -> None:
    world = world_with(
        pull_secret(data={"other": b64("{}")}),
        registry_credentials=[RegistryCredential(registry_id="rq", username="u", token=TOKEN)],
        registries={"rq": Registry(id="rq", name="quay.io")},
    )
    notes = NoteWriter("t")
    check_pull_secret(world, world, world.owner, notes)
    assert notes.lines == (
        ("warning", "Cluster pull secret does not contain the necessary .dockerconfigjson"),
    )


def test_no_token_reaches_the_notes_the_logs_or_a_repr() -> None:
    # Given a pull secret whose token differs from OCM's, both holding a recognisable secret
    cluster_auth = b64(f"u:{TOKEN}-old")
    world = world_with(
        pull_secret(
            docker_config(
                cloud_openshift_com={"email": "x@example.com", "auth": cluster_auth},
                quay_io={"email": "x@example.com", "auth": cluster_auth},
            )
        ),
        registry_credentials=[RegistryCredential(registry_id="rq", username="u", token=TOKEN)],
        registries={"rq": Registry(id="rq", name="quay.io")},
    )
    notes = NoteWriter("t")
    # When the step runs with debug logs captured (whatever level an earlier test configured)
    configured = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    try:
        with structlog.testing.capture_logs() as logs:
            check_pull_secret(world, world, world.owner, notes)
    finally:
        structlog.configure(**configured)
    # Then mismatches are reported, and the token appears nowhere
    assert "does not match between cluster and OCM" in notes.render()
    seen = notes.render() + repr(logs) + repr(owner_credentials(world, "a1"))
    assert TOKEN not in seen
    assert cluster_auth not in seen
    compared = [e for e in logs if e["event"] == "registry credential compared"]
    assert compared[0]["token_match"] is False


# --- the owner's ban ---------------------------------------------------------------------------


def test_a_banned_owner_is_described_as_the_original_does() -> None:
    account = Account(id="a", banned=True, ban_code="some_reason", ban_description="Some reason")
    ban = owner_ban(account)
    assert ban is not None
    assert str(ban) == "user is banned (some_reason): Some reason"
    assert not ban.export_control
    assert owner_ban(Account(id="a", banned=True, ban_code="export_control_compliance"))
    assert owner_ban(Account(id="a")) is None


def test_the_banned_owner_service_log_is_the_originals() -> None:
    sl = banned_owner_service_log()
    assert isinstance(sl, ServiceLog)
    assert (sl.severity, sl.summary, sl.service_name, sl.internal_only) == (
        "Critical",
        "Action required: Arrange new cluster owner",
        "SREManualAction",
        False,
    )
    assert sl.summary == BANNED_OWNER_SL_SUMMARY
    assert sl.description == BANNED_OWNER_SL_DESCRIPTION
    assert sl.description == (
        "Your cluster requires you to take action because it is no longer owned by a user "
        "with an enabled Red Hat account. This will impact the cluster's ability to upgrade to "
        "future versions. Please raise a support case with Red Hat to nominate a new owner for "
        "the cluster in https://console.redhat.com/openshift/."
    )
