"""Run the updeck CLI in a real process as if LOGIN were the real Unix login.

Usage: ``python as_login.py LOGIN [updeck arguments]``. For tests only: it replaces
``updeck.storage.identity.real_login`` in this process, so the product itself has no
switch (no environment variable, no flag) that lets a person fake their login.
"""

from __future__ import annotations

import sys

from updeck.storage import identity
from updeck.tui.cli.main import main

if __name__ == "__main__":
    fake = sys.argv[1]
    identity.real_login = lambda env: fake  # type: ignore[assignment]
    sys.exit(main(sys.argv[2:]))
