"""Which function runs each subcommand (imported once the arguments are parsed)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from updeck.tui.cli.cmd_dashboard import cmd_demo, cmd_home, cmd_open, cmd_serve
from updeck.tui.cli.cmd_database import cmd_db, cmd_restore
from updeck.tui.cli.cmd_export import cmd_check_log, cmd_export, cmd_locate
from updeck.tui.cli.cmd_notify import cmd_notify
from updeck.tui.cli.cmd_projects import cmd_list, cmd_new, cmd_status
from updeck.tui.cli.cmd_records import cmd_approve, cmd_cost, cmd_item, cmd_metric, cmd_note, cmd_window
from updeck.tui.cli.cmd_review import cmd_review
from updeck.tui.cli.cmd_rollback import cmd_rollback
from updeck.tui.cli.cmd_runs import cmd_compare, cmd_rehearse
from updeck.tui.cli.cmd_team import cmd_team
from updeck.tui.cli.cmd_templates import cmd_import, cmd_templates, cmd_validate
from updeck.tui.cli.cmd_verify import cmd_verify
from updeck.tui.cli.cmd_watch import cmd_gate, cmd_log

HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "": cmd_home,
    "open": cmd_open,
    "demo": cmd_demo,
    "serve": cmd_serve,
    "templates": cmd_templates,
    "validate": cmd_validate,
    "import": cmd_import,
    "new": cmd_new,
    "list": cmd_list,
    "status": cmd_status,
    "rehearse": cmd_rehearse,
    "compare": cmd_compare,
    "review": cmd_review,
    "item": cmd_item,
    "approve": cmd_approve,
    "note": cmd_note,
    "metric": cmd_metric,
    "cost": cmd_cost,
    "log": cmd_log,
    "gate": cmd_gate,
    "window": cmd_window,
    "team": cmd_team,
    "notify": cmd_notify,
    "verify": cmd_verify,
    "rollback": cmd_rollback,
    "export": cmd_export,
    "check-log": cmd_check_log,
    "locate": cmd_locate,
    "db": cmd_db,
    "restore": cmd_restore,
}
