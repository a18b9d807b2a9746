"""Dashboard tests: ``env`` is a data folder with one project of the test template, and
the test's own templates and clock (see tests/support/tui.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.tui import tui_env


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return tui_env(tmp_path, monkeypatch)
