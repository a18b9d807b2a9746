"""updeck verify: show the command, ask, run it, record the outcome."""

from __future__ import annotations

import argparse
import codecs
import contextlib
import sys

from updeck.models.durations import format_duration
from updeck.models.text import block, numbered
from updeck.tui.cli.context import (
    Context,
    confirm,
    need_item,
    value,
    warn,
)
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, CliError
from updeck.tui.common.values import (
    parse_timeout,
)
from updeck.tui.common.verify_record import NotRecorded, record_verification
from updeck.tui.common.verify_run import run_check


def cmd_verify(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    state = ctx.state(project_id)
    need_item(state, args.item)
    spec = state.specs[args.item]
    command = spec.verify.strip()
    if not command:
        raise CliError(f"item {args.item} has no verify command in its template; nothing to run",
                       EXIT_USAGE)
    timeout = value(lambda: parse_timeout(args.timeout))
    operator = ctx.operator
    warn(f"verify {args.item}: {spec.title}")
    lines = numbered(command)
    warn(f"command, exactly as it will run ({len(lines)} line{'s' * (len(lines) != 1)}, "
         f"in bash -o pipefail -u on {operator.host or 'this host'} as {operator.user}, "
         f"timeout {format_duration(timeout)}):")
    with contextlib.suppress(OSError, ValueError):
        print("\n".join(f"  {line}" for line in lines), file=sys.stderr, flush=True)
    if spec.expect_exit or spec.expect_output:
        wanted = f"exit {spec.expect_exit}" + (
            f" and output matching /{spec.expect_output}/" if spec.expect_output else "")
        warn(f"passes on {wanted}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("not running the verify command: there is no terminal to confirm on "
                           "(stdin is not a tty); pass --yes to run it", EXIT_USAGE)
        if not confirm("Run it now? [y/N] "):
            warn("not run; nothing was recorded")
            return EXIT_REFUSED
    decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def echo(chunk: bytes) -> None:  # the command's output, through the sanitiser
        sys.stdout.write(block(decoder.decode(chunk)))
        sys.stdout.flush()

    try:
        run = run_check(command, timeout, echo, expect_exit=spec.expect_exit,
                        expect_output=spec.expect_output)
    except OSError as exc:
        raise CliError(f"could not start the shell to run the verify command: {exc}", EXIT_USAGE) from None
    try:
        result = record_verification(
            ctx.repo, project_id, args.item, command, run, by=operator, at=ctx.now(),
            on_busy=lambda: warn("project busy; retrying to record the verification"))
    except NotRecorded as exc:
        raise CliError(str(exc), EXIT_REFUSED) from None
    events = ctx.accepted(project_id, args.item, result)
    seq = events[-1].seq if events else "?"
    recorded = ctx.state(project_id).items[args.item].last_verification
    why = recorded.failure if recorded is not None else run.failure
    verdict = "passed" if not why else f"FAILED: {why}"
    warn(f"verification {verdict} in {run.duration:.1f}s; recorded as event #{seq}")
    if run.interrupted:
        raise KeyboardInterrupt
    return EXIT_OK if not why else EXIT_REFUSED


