"""Subcommands about the store itself: ``db init`` (the PostgreSQL schema) and ``restore`` (a JSON export)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from updeck.storage.errors import ProjectExists
from updeck.tui.cli.context import Context
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_USAGE, CliError
from updeck.tui.cli.output import emit


def cmd_db(args: argparse.Namespace) -> int:
    from updeck.storage.postgres.dsn import is_database_address

    target = getattr(args, "db", None) or os.environ.get("UPDECK_DB", "")
    if not is_database_address(target):
        raise CliError("updeck db init works on a PostgreSQL database: give --db "
                       "postgresql://HOST/DBNAME or --db service=NAME (or set UPDECK_DB); a data "
                       "folder needs no init", EXIT_USAGE)
    from updeck.storage.postgres.schema import init_database

    before, now, where = init_database(target, operator_role=args.operator_role,
                                       reader_role=args.reader_role)
    said = ("created" if before == 0 else f"migrated from version {before}" if before < now
            else "already")
    emit(f"{where}: updeck schema {said} at version {now}")
    for role, what in ((args.operator_role, "operators (INSERT and SELECT on events)"),
                       (args.reader_role, "read-only")):
        if role:
            emit(f"granted {role}: {what}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from updeck.storage.restore import NotAnExport, read_export

    try:
        events = read_export(Path(args.file))
    except NotAnExport as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    ctx = Context(args)
    try:
        state = ctx.repo.import_log(events)
    except ProjectExists as exc:
        raise CliError(f"{exc} in {ctx.repo.where()}; nothing was restored (restore into "
                       "another --db, or keep the project that is there)", EXIT_USAGE) from None
    emit(f"restored {state.id} ({state.project.name}) into {ctx.repo.where()}: {state.seq} "
         f"events, chain head #{state.seq} sha256:{state.last_hash[:16]}")
    return EXIT_OK
