"""Which function runs each subcommand: a table of "module:function" names, imported only
for the command at hand (``updeck list`` never loads the dashboard or the YAML reader)."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

HANDLERS: dict[str, str] = {
    "": "cmd_dashboard:cmd_home",
    "open": "cmd_dashboard:cmd_open",
    "demo": "cmd_dashboard:cmd_demo",
    "serve": "cmd_dashboard:cmd_serve",
    "templates": "cmd_templates:cmd_templates",
    "validate": "cmd_templates:cmd_validate",
    "import": "cmd_templates:cmd_import",
    "new": "cmd_projects:cmd_new",
    "list": "cmd_projects:cmd_list",
    "status": "cmd_projects:cmd_status",
    "timeline": "cmd_timeline:cmd_timeline",
    "rehearse": "cmd_runs:cmd_rehearse",
    "compare": "cmd_runs:cmd_compare",
    "review": "cmd_review:cmd_review",
    "item": "cmd_records:cmd_item",
    "approve": "cmd_records:cmd_approve",
    "note": "cmd_records:cmd_note",
    "metric": "cmd_records:cmd_metric",
    "cost": "cmd_records:cmd_cost",
    "log": "cmd_watch:cmd_log",
    "gate": "cmd_watch:cmd_gate",
    "window": "cmd_records:cmd_window",
    "team": "cmd_team:cmd_team",
    "notify": "cmd_notify:cmd_notify",
    "verify": "cmd_verify:cmd_verify",
    "rollback": "cmd_rollback:cmd_rollback",
    "export": "cmd_export:cmd_export",
    "check-log": "cmd_export:cmd_check_log",
    "locate": "cmd_export:cmd_locate",
    "db": "cmd_database:cmd_db",
    "restore": "cmd_database:cmd_restore",
}


def handler(name: str) -> Callable[[argparse.Namespace], int]:
    """The function of subcommand ``name`` ("" is the dashboard's home), imported now."""
    module, function = HANDLERS[name].split(":")
    found: Callable[[argparse.Namespace], int] = getattr(
        importlib.import_module(f"updeck.tui.cli.{module}"), function)
    return found
