"""The ``updeck`` command line (placeholder until the CLI issue lands)."""

from __future__ import annotations

import argparse
import sys

from tui import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="updeck", description="Run system upgrades through seven phases.")
    parser.add_argument("--version", action="version", version=f"updeck {__version__}")
    parser.parse_args(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
