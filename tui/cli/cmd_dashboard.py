"""Subcommands that open a screen: the dashboard (home, open), the demo, the browser view.
Only they import Textual, lazily."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from updeck.models.events import Operator, utc_now
from updeck.models.state import ProjectState
from updeck.storage.contract import ProjectRepository
from updeck.storage.identity import current_operator
from updeck.storage.repository import Repository
from updeck.tui.cli.context import (
    Context,
    schedule_of,
    warn,
)
from updeck.tui.cli.exit_codes import EXIT_OK, EXIT_USAGE, CliError
from updeck.tui.cli.output import (
    emit,
    status_data,
    status_text,
)


def has_screen() -> bool:
    """A terminal to draw on, or a Textual driver that brings its own (textual-serve runs
    the dashboard over pipes with ``TEXTUAL_DRIVER`` set)."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return True
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _open_dashboard(repo: ProjectRepository, project_id: str | None, read_only: bool,
                    operator: Operator, *, only: bool = False,
                    state: ProjectState | None = None) -> int:
    if not has_screen():
        raise CliError("the dashboard needs a terminal; in scripts use a subcommand such as "
                       "'updeck list' or 'updeck status PROJECT'", EXIT_USAGE)
    try:
        from updeck.tui.dashboard.app import run_dashboard
    except ImportError as exc:
        raise CliError(f"the dashboard is not available in this installation ({exc})",
                       EXIT_USAGE) from None
    extra = {"only_project": True} if only else {}
    return int(run_dashboard(repo, project_id=project_id, read_only=read_only, operator=operator,
                             start_state=state, **extra) or 0)


def cmd_home(args: argparse.Namespace) -> int:
    ctx = Context(args)
    return _open_dashboard(ctx.repo, None, bool(args.read_only), ctx.operator)


def cmd_open(args: argparse.Namespace) -> int:
    ctx = Context(args)
    project_id = ctx.project_id()
    state = ctx.state(project_id)  # a damaged or unreadable project is reported here, in one line
    return _open_dashboard(ctx.repo, project_id, bool(args.read_only), ctx.operator,
                           only=bool(getattr(args, "only", False)), state=state)


def cmd_demo(args: argparse.Namespace) -> int:
    from updeck.storage.demo import ensure_demo
    from updeck.storage.locations import demo_dir

    folder = Path(args.db).expanduser() if getattr(args, "db", None) else demo_dir()
    repo = Repository(folder)
    operator = current_operator(getattr(args, "as_name", None))
    project_id = ensure_demo(repo, reset=bool(args.reset))
    if has_screen():
        try:
            from updeck.tui.dashboard.app import run_dashboard
        except ImportError:
            pass
        else:
            return int(run_dashboard(repo, project_id=project_id, read_only=bool(args.read_only),
                                     operator=operator, start_state=repo.load(project_id)) or 0)
    warn(f"demo project {project_id} in {folder} (the dashboard opens on it in a terminal)")
    now = utc_now()
    state = repo.load(project_id)
    emit(status_text(status_data(state, schedule_of(state, now), now)))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from updeck.storage.locations import data_dir
    from updeck.storage.postgres.dsn import is_database_address
    from updeck.tui.cli.serve import ServeError, serve

    ctx = Context(args)
    project_id = ctx.project_id() if args.project else None
    chosen = getattr(args, "db", None) or os.environ.get("UPDECK_DB", "")
    target = chosen if is_database_address(chosen) else data_dir(getattr(args, "db", None))
    try:
        serve(target, project_id, host=args.host, port=args.port,
              allow_remote=args.allow_remote, max_sessions=args.max_sessions)
    except ServeError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    return EXIT_OK


