"""End-to-end tests in a real terminal (tmux), over SSH and in a browser. Each skips with a
message when its tool is missing; .ci/run installs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.terminal import Tmux


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    server = Tmux()
    yield server
    server.kill()
