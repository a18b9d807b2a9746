"""Subcommands that produce records: export, check-log, locate."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

from updeck.storage.errors import (
    StorageError,
)
from updeck.tui.cli.context import (
    Context,
    schedule_of,
    value,
    warn,
    write_file,
)
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_REFUSED, CliError
from updeck.tui.cli.output import (
    emit,
    emit_json,
)


def cmd_export(args: argparse.Namespace) -> int:
    from updeck.tui.cli.export import render

    ctx = Context(args)
    project_id = ctx.project_id()
    state = ctx.state(project_id)
    events = ctx.repo.events(project_id)
    now = ctx.now()
    text = render(args.format, state, schedule_of(state, now), events, now)
    if args.output:
        write_file(args.output, text)
        warn(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return EXIT_OK


def cmd_check_log(args: argparse.Namespace) -> int:
    from updeck.models.chain import check_head, head_label, parse_head

    ctx = Context(args)
    project_id = ctx.project_id()
    head = value(lambda: parse_head(args.head)) if args.head else None
    problem = ctx.repo.check_log(project_id)
    if problem is not None:
        raise CliError(f"the status log of {project_id} is NOT intact: {problem}", EXIT_REFUSED)
    events = []
    with contextlib.suppress(StorageError):
        events = ctx.repo.events(project_id)
    label = head_label(events[-1].seq, events[-1].hash) if events else head_label(0, "")
    rewritten = None
    with contextlib.suppress(StorageError):
        rewritten = ctx.repo.log_rewritten(project_id)
    if rewritten is not None:
        raise CliError(f"the status log of {project_id} is NOT the one you saw: {rewritten} "
                       f"(its chain is intact, now at {label}, but it was cut or re-hashed)",
                       EXIT_REFUSED)
    if head is not None:
        mismatch = check_head(events, *head)
        if mismatch is not None:
            raise CliError(f"the status log of {project_id} does NOT hold the recorded head "
                           f"{args.head.strip()}: {mismatch}", EXIT_REFUSED)
    checked = f"; holds the recorded head #{head[0]}" if head else ""
    emit(f"{project_id}: status log intact ({len(events)} events, chain head {label}{checked})")
    return EXIT_OK


def cmd_locate(args: argparse.Namespace) -> int:
    import os

    from updeck.storage.locations import config_dir, data_dir, demo_dir, template_search_path
    from updeck.storage.postgres.dsn import describe, is_database_address

    chosen = getattr(args, "db", None) or os.environ.get("UPDECK_DB", "")
    data = data_dir(getattr(args, "db", None))
    paths = template_search_path()
    on_pg = is_database_address(chosen)
    info: dict[str, Any] = {
        "backend": "postgresql" if on_pg else "files",
        "data": describe(chosen) if on_pg else str(data),
        "data_exists": None if on_pg else data.is_dir(),
        "config": str(config_dir()), "config_exists": config_dir().is_dir(),
        "templates": [{"path": str(p), "exists": p.is_dir()} for p in paths],
        "demo": str(demo_dir()), "demo_exists": demo_dir().is_dir(),
    }
    if args.json:
        emit_json(info)
        return EXIT_OK

    def mark(flag: bool) -> str:
        return "" if flag else "  (missing)"

    if on_pg:
        emit(f"database:       {info['data']}  (PostgreSQL)")
    else:
        emit(f"data folder:    {data}{mark(info['data_exists'])}")
    emit(f"config folder:  {info['config']}{mark(info['config_exists'])}")
    emit("template search path (first match by id wins):")
    for number, entry in enumerate(info["templates"], start=1):
        emit(f"  {number}. {entry['path']}{mark(entry['exists'])}")
    emit(f"demo folder:    {info['demo']}{mark(info['demo_exists'])}")
    return EXIT_OK


