"""Settings come from CAD_ variables, and from the original's names where they exist."""

from __future__ import annotations

import pytest

from cad.config.settings import Settings


def test_settings_read_prefixed_variables_and_the_original_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAD_PD_TOKEN", "pd-secret-value-123")
    monkeypatch.setenv("BACKPLANE_URL", "https://backplane.example")
    monkeypatch.setenv("CAD_EXECUTOR_DEADLINE_SECONDS", "30")
    settings = Settings()
    assert settings.pd_token is not None
    assert settings.pd_token.get_secret_value() == "pd-secret-value-123"
    assert settings.backplane_url == "https://backplane.example"
    assert settings.executor_deadline_seconds == 30
    assert "pd-secret-value-123" not in repr(settings)
    assert settings.secret_values() == ["pd-secret-value-123"]


def test_an_invalid_setting_is_refused_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAD_EXECUTOR_MAX_ATTEMPTS", "0")
    with pytest.raises(ValueError, match="executor_max_attempts"):
        Settings()


def test_the_agents_key_pair_reads_the_originals_names_and_stays_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGENTCORE_AWS_ACCESS_KEY_ID", "AKIDAGENT")
    monkeypatch.setenv("AGENTCORE_AWS_SECRET_ACCESS_KEY", "agent-secret-value-456")
    settings = Settings()
    assert settings.agentcore_credentials() == ("AKIDAGENT", "agent-secret-value-456")
    assert "agent-secret-value-456" not in repr(settings)
    assert "agent-secret-value-456" in settings.secret_values()


def test_half_of_the_agents_key_pair_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAD_AGENTCORE_ACCESS_KEY_ID", "AKIDAGENT")
    with pytest.raises(ValueError, match="set both or neither"):
        Settings()
