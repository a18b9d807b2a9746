"""Shared test set-up: every test runs with its own data, config and template folders,
so nothing reads or writes the user's real updeck data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.support.pg_fixtures import pg_dsn, pg_schema, pg_server  # noqa: F401 - PostgreSQL, one per worker

# Hypothesis profiles, none with a deadline (a loaded machine must not fail a property test):
# - "dev" (the default): 50 examples with fresh randomness each run, failures replayed from
#   the local example database, to keep exploring while working;
# - "ci" (CI=true, or HYPOTHESIS_PROFILE=ci; .ci/run sets it): the same 50 examples on every
#   run (derandomised), so a landing is decided by code, not by chance;
# - "deep" (HYPOTHESIS_PROFILE=deep): twenty times as many, before a release.
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


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
