"""Subcommands that read and follow the log or wait on a gate: log, gate."""

from __future__ import annotations

import argparse
import sys
import time

from updeck.models.chain import head_label
from updeck.models.durations import format_duration
from updeck.models.events import Event
from updeck.storage.feed import Watcher, WatchStopped
from updeck.tui.cli.context import (
    Context,
    need_item,
    value,
    warn,
)
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_PENDING, EXIT_REFUSED
from updeck.tui.cli.output import (
    emit,
    emit_json,
    gate_data,
    gate_text,
    log_entry,
    log_line,
)
from updeck.tui.cli.streams import quiet_stdout, stdout_closed
from updeck.tui.common.values import (
    parse_moment,
    parse_timeout,
)

POLL_SECONDS = 0.3  # how often --follow and --wait look at the change marker
FULL_CHECK_SECONDS = 5.0  # and how often they look regardless of it


def cmd_log(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    since = (value(lambda: parse_moment(args.since, ctx.now(), bare_duration_is_past=True,
                                        zone=ctx.site_zone(project_id)))
             if args.since else None)
    events = ctx.repo.events(project_id)
    watcher = Watcher(ctx.repo, project_id, since_seq=events[-1].seq if events else 0) \
        if args.follow else None
    shown = [e for e in events if since is None or e.at >= since]
    if args.json and not args.follow:
        emit_json([log_entry(e) for e in shown])
        return EXIT_OK

    def show(batch: list[Event]) -> None:
        for event in batch:
            if args.json:
                emit_json(log_entry(event), indent=None)
            else:
                emit(log_line(event))

    show(shown)
    if watcher is None:
        if not args.json and shown:  # nothing shown: nothing printed (scripts test for it)
            last = events[-1] if events else None
            emit(f"chain head {head_label(last.seq, last.hash) if last else head_label(0, '')}")
        return EXIT_OK
    try:
        while True:
            new = watcher.poll()
            show([e for e in new if since is None or e.at >= since])
            watcher.wait(interval=POLL_SECONDS, full_check=FULL_CHECK_SECONDS, stop=stdout_closed)
    except WatchStopped:  # our reader went away
        quiet_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_OK  # Ctrl-C is how one stops following




def cmd_gate(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    state = ctx.state(project_id)
    need_item(state, args.item)
    timeout = value(lambda: parse_timeout(args.timeout)) if args.timeout else None
    data = gate_data(state, args.item)
    timed_out = False
    if (args.wait or timeout is not None) and data["gate"] == "pending":
        watcher = Watcher(ctx.repo, project_id)
        if sys.stderr.isatty():
            pending = [a["approver"] for a in data["approvals"] if a["decision"] is None]
            warn(f"waiting for {args.item}" + (f" (pending: {', '.join(pending)})" if pending else "")
                 + (f", at most {format_duration(timeout)}" if timeout else "") + "; Ctrl-C to stop")
        deadline = None if timeout is None else time.monotonic() + timeout
        while data["gate"] == "pending":
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                timed_out = True
                break
            try:
                changed = watcher.wait(left, interval=POLL_SECONDS, full_check=FULL_CHECK_SECONDS,
                                       stop=stdout_closed)
            except WatchStopped:  # the reader went away: stop waiting, still undecided
                quiet_stdout()
                return EXIT_PENDING
            if changed:
                watcher.poll()
                data = gate_data(ctx.state(project_id), args.item)
    try:
        if args.json:
            emit_json(data)
        else:
            emit(gate_text(data))
    except BrokenPipeError:  # nobody reads the text; the exit code still tells the verdict
        quiet_stdout()
    if timed_out:
        assert timeout is not None
        warn(f"error: timed out after {format_duration(timeout)}; {args.item} is still pending")
    return {"go": EXIT_OK, "no-go": EXIT_REFUSED}.get(data["gate"], EXIT_PENDING)


