"""Subcommands about templates: templates, validate, import."""

from __future__ import annotations

import argparse
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
    """The runbook's text through storage's one regular-file reader: refused at once (exit 2)
    when it is not a regular file (a pipe, a device, a folder) or is over 1 MiB, before
    anything waits on it or reads it all."""
    from updeck.storage.markdown_rules import MAX_RUNBOOK_BYTES
    from updeck.storage.safe_files import UnsafeFile, read_regular

    try:
        data = read_regular(path, limit=MAX_RUNBOOK_BYTES)
    except UnsafeFile as exc:
        raise CliError(f"{exc}; import reads a Markdown file of at most 1 MiB", EXIT_USAGE) from None
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", EXIT_USAGE) from None
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


