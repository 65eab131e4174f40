"""Who asks for an operator's run when ``--requested-by`` does not say."""

from __future__ import annotations

import pytest

from cad.config.settings import Settings


def test_cad_requested_by_wins_over_the_shells_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "shell-user")
    monkeypatch.setenv("CAD_REQUESTED_BY", "pipeline")
    assert Settings().requester() == "pipeline"


def test_the_shells_user_is_the_requester_and_an_empty_one_is_no_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CAD_REQUESTED_BY", raising=False)
    monkeypatch.setenv("USER", " alice ")
    assert Settings().requester() == "alice"
    monkeypatch.setenv("USER", "")
    assert Settings().requested_by is None
    assert Settings().requester()  # the process's OS user


def test_a_store_is_configured_only_when_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAD_DATABASE_URL", raising=False)
    monkeypatch.delenv("CAD_DATABASE_PATH", raising=False)
    assert not Settings().store_configured()
    monkeypatch.setenv("CAD_DATABASE_PATH", "cad-test.sqlite")
    assert Settings().store_configured()
