"""CLI tests: a ``cli`` that runs updeck on its own data folder (see tests/support/cli.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)
