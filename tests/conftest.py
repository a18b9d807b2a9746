"""Shared test set-up: every test runs with its own data, config and template folders,
so nothing reads or writes the user's real updeck data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis: "dev" (every run, CI included) tries a fixed, derandomised sample, so a run
# that lands is a run that anyone can repeat; "deep" (HYPOTHESIS_PROFILE=deep) searches
# twenty times as long with fresh randomness, before a release. Neither has a deadline: a
# loaded machine must not fail a property test.
settings.register_profile("dev", max_examples=50, deadline=None, derandomize=True)
settings.register_profile("deep", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "dev")


@pytest.fixture(autouse=True)
def isolated_updeck_env(tmp_path_factory: pytest.TempPathFactory,
                        monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("UPDECK_STATE_DIR", str(home / "state" / "updeck"))
    monkeypatch.setenv("UPDECK_CONFIG_DIR", str(home / "config" / "updeck"))
    monkeypatch.delenv("UPDECK_DB", raising=False)
    monkeypatch.delenv("UPDECK_TEMPLATE_PATH", raising=False)
    monkeypatch.delenv("UPDECK_OPERATOR", raising=False)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    return home
