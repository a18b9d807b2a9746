"""Subcommands about templates: templates, validate, import."""

from __future__ import annotations

import argparse
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from updeck.tui.cli.context import (
    warn,
    write_file,
)
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, CliError
from updeck.tui.cli.output import (
    emit,
    emit_json,
    table,
)

if TYPE_CHECKING:  # templates load lazily: most commands never read one
    from updeck.storage.templates import TemplateEntry


def cmd_templates(args: argparse.Namespace) -> int:
    from updeck.storage.templates import discover

    entries = discover()
    if args.json:
        emit_json([{"id": e.id, "version": e.version, "name": e.name, "path": str(e.path),
                    "shadowed": e.shadowed, "ok": e.ok, "errors": [str(x) for x in e.errors]}
                   for e in entries])
        return EXIT_OK
    if not entries:
        emit("no templates on the search path ('updeck locate' shows it)")
        return EXIT_OK

    def state(e: TemplateEntry) -> str:
        if not e.ok:
            return f"BROKEN ({len(e.errors)} errors: updeck validate {e.path})"
        return "shadowed" if e.shadowed else "ok"

    emit(table(("id", "version", "name", "file", "state"),
               [(e.id, e.version or "-", e.name or "-", str(e.path), state(e)) for e in entries]))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from updeck.storage.template_lint import lint_file
    from updeck.storage.templates import TemplateErrors, load_template_file

    bad = unreadable = warned = 0
    for name in args.files:
        try:
            load_template_file(name)
        except TemplateErrors as exc:
            for error in exc.errors:
                emit(str(error))
            bad += 1
            unreadable += exc.unreadable
            continue
        warnings = lint_file(name)
        for warning in warnings:
            emit(str(warning))
        warned += bool(warnings)
        emit(f"{name}: ok" + (f" ({len(warnings)} warnings)" if warnings else ""))
    if unreadable:
        raise CliError(f"{unreadable} of {len(args.files)} files could not be read", EXIT_USAGE)
    if bad:
        raise CliError(f"{bad} of {len(args.files)} files have errors", EXIT_REFUSED)
    if warned and args.strict:
        raise CliError(f"{warned} of {len(args.files)} files have warnings (--strict)", EXIT_REFUSED)
    return EXIT_OK


def read_runbook(path: Path) -> str:
    """The runbook's text; refused at once (exit 2) when it is not a regular file (a pipe,
    a device, a folder) or is over 1 MiB, before anything waits on it or reads it all."""
    from updeck.storage.markdown_rules import MAX_RUNBOOK_BYTES

    try:
        info = path.stat()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", EXIT_USAGE) from None
    if not stat.S_ISREG(info.st_mode):
        raise CliError(f"{path} is not a regular file; import reads a Markdown file", EXIT_USAGE)
    if info.st_size > MAX_RUNBOOK_BYTES:
        raise CliError(f"{path} is {info.st_size // 1024} KiB, over the 1 MiB a runbook may have; "
                       "split it", EXIT_USAGE)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a pipe swapped in: no wait
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise CliError(f"{path} is not a regular file; import reads a Markdown file", EXIT_USAGE)
            data = handle.read(MAX_RUNBOOK_BYTES + 1)
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", EXIT_USAGE) from None
    if len(data) > MAX_RUNBOOK_BYTES:
        raise CliError(f"{path} is over the 1 MiB a runbook may have; split it", EXIT_USAGE)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CliError(f"{path} is not UTF-8 text", EXIT_USAGE) from None


def cmd_import(args: argparse.Namespace) -> int:
    from updeck.storage.markdown_import import import_markdown

    path = Path(args.file)
    text = read_runbook(path)
    result = import_markdown(text, source=str(path), template_id=args.template_id or None)
    for entry in result.skipped:
        warn(f"skipped: {entry}")
    warn(f"imported {result.items_count} items"
         + (f"; {len(result.skipped)} things skipped (above)" if result.skipped else ""))
    yaml_text = result.yaml_text
    if args.output:
        write_file(args.output, yaml_text)
        warn(f"wrote {args.output}")
    else:
        emit(yaml_text)
    return EXIT_OK


