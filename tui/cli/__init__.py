"""The ``updeck`` command line: ``parser`` reads the arguments, ``handlers`` maps each
subcommand to its ``cmd_*`` module, ``main`` is the error boundary."""

from updeck.tui.cli.main import main

__all__ = ["main"]
