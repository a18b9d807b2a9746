"""CLI tests: a ``cli`` that runs updeck on its own data folder (see tests/support/cli.py):
in-process by default; UPDECK_TEST_CLI_PROCESS=1 runs every call through the installed
entry point in a subprocess instead (slower; what the suite did before)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cli import Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path, process=os.environ.get("UPDECK_TEST_CLI_PROCESS") == "1")
