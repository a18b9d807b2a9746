"""The ``updeck`` command line's entry point and error boundary: parse, dispatch, and turn
every failure into one line on stderr and an exit code (no traceback reaches a user)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence

from updeck.tui.cli.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, CliError, one_line
from updeck.tui.cli.parser import build_parser
from updeck.tui.cli.streams import quiet_stdout
from updeck.tui.common import startup_gc

SCREEN_COMMANDS = ("", "open", "demo")  # they keep the start-up GC setting to the first screen


def _handler(name: str | None) -> Callable[[argparse.Namespace], int]:
    from updeck.tui.cli.handlers import handler  # after parsing, so --help and --version stay fast

    return handler(name or "")




def _error(message: str) -> None:
    text = one_line(message) or "unexpected error"
    with contextlib.suppress(OSError, ValueError):
        print(f"updeck: error: {text}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    startup_gc.loading()
    try:
        args = build_parser().parse_args(args_list)
        run = _handler(args.command)
        if (args.command or "") not in SCREEN_COMMANDS:
            startup_gc.loaded()
        return run(args)
    except CliError as exc:
        _error(str(exc))
        return exc.code
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        quiet_stdout()
        return EXIT_OK
    except SystemExit:
        raise
    except Exception as exc:  # the boundary: nothing reaches the user as a traceback
        return _unexpected(exc)
    finally:
        startup_gc.loaded()


def _unexpected(exc: BaseException) -> int:
    try:
        from updeck.tui.cli.errors import describe_exception

        message, code = describe_exception(exc)
    except Exception:  # even the describer failed: say what we know
        message, code = f"{type(exc).__name__}: {exc}", EXIT_USAGE
    _error(message)
    if os.environ.get("UPDECK_DEBUG"):
        import traceback

        traceback.print_exception(exc)
    return code
