"""The ``updeck`` command line's arguments: every subcommand, its options and its help.

Nothing here imports more than argparse: ``--help`` and ``--version`` stay fast. The work
is done by the ``cmd_*`` modules (see :mod:`updeck.tui.cli.handlers`), the text is made in
:mod:`updeck.tui.cli.output`; exit codes are in :mod:`updeck.tui.cli.exit_codes`.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from updeck.tui.cli.exit_codes import EXIT_USAGE, one_line
from updeck.tui.cli.help_texts import COMMAND_HELP

from updeck import __version__

ITEM_ACTIONS = ("start", "done", "fail", "skip", "block", "reopen", "unblock")


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in one line and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"updeck: error: {one_line(message)} (see '{self.prog} --help')\n")


_FORMATTER = argparse.RawDescriptionHelpFormatter


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


DB_HELP = "the data folder, or a PostgreSQL address postgresql://... or service=NAME (env UPDECK_DB)"
DEMO_DB_HELP = "put the demo here instead of its own folder (UPDECK_DB is not used)"


def _globals_parent(db_help: str = DB_HELP) -> _Parser:
    """--db and --as, also accepted after the subcommand (they then win). A parent's
    actions are shared by every subcommand made from it: a different help text needs its
    own parent, never an edit of the shared action."""
    parent = _Parser(add_help=False)
    parent.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=db_help)
    parent.add_argument("--as", dest="as_name", metavar="NAME", default=argparse.SUPPRESS,
                        help="who is acting (env UPDECK_OPERATOR; default: the login user)")
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="updeck",
        formatter_class=_FORMATTER,
        description="Run system upgrades through seven phases (assess, requirements, plan, test,\n"
                    "communicate, execute, monitor). With no subcommand, open the dashboard.",
        epilog="exit codes: 0 done, 1 refused by the rules, 2 bad usage or input,\n"
               "3 gate pending or timeout, 130 interrupted.\n\n"
               "'updeck COMMAND --help' describes each command, with examples.\n"
               "Documentation, in the updeck source: docs/cli.md (commands, JSON, exit codes),\n"
               "docs/templates.md (the template format), docs/operations.md (a shared host,\n"
               "backups, the browser view).",
    )
    parser.add_argument("--version", action="version", version=f"updeck {__version__}")
    parser.add_argument("--db", metavar="PATH", default=None,
                        help="the data folder, or a PostgreSQL address postgresql://... or "
                             "service=NAME (env UPDECK_DB; default: the user data folder)")
    parser.add_argument("--as", dest="as_name", metavar="NAME", default=None,
                        help="who is acting (env UPDECK_OPERATOR; default: the login user)")
    parser.add_argument("--read-only", action="store_true",
                        help="open the dashboard without changing anything")
    parent = _globals_parent()
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name: str, parents: tuple[_Parser, ...] = (parent,)) -> argparse.ArgumentParser:
        short, description, examples = COMMAND_HELP[name]
        return subs.add_parser(name, help=short, description=description,
                               epilog=_examples(*examples), formatter_class=_FORMATTER,
                               parents=list(parents))

    def project(p: argparse.ArgumentParser) -> None:
        p.add_argument("project", metavar="PROJECT",
                       help="project id, or a prefix of its id or name matching one project")

    def json_flag(p: argparse.ArgumentParser, what: str = "one JSON document") -> None:
        p.add_argument("--json", action="store_true", help=f"print {what}")

    p = add("open")
    project(p)
    p.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                   help="look, do not touch")
    p.add_argument("--only", action="store_true",
                   help="show this project alone: no home screen, no other projects "
                        "(what 'updeck serve PROJECT' runs)")

    p = add("demo", parents=(_globals_parent(DEMO_DB_HELP),))
    p.add_argument("--reset", action="store_true", help="throw the demo project away and make it anew")
    p.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                   help="look, do not touch")

    p = add("templates")
    json_flag(p)

    p = add("validate")
    p.add_argument("files", metavar="FILE", nargs="+", help="template files to check")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 1)")

    p = add("import")
    p.add_argument("file", metavar="FILE", help="the Markdown runbook")
    p.add_argument("-o", "--output", metavar="OUT", help="write the YAML here instead of stdout")
    p.add_argument("--id", dest="template_id", metavar="ID", help="the new template's id")

    p = add("new")
    p.add_argument("template", metavar="TEMPLATE", help="template id on the search path, or a file")
    p.add_argument("--name", required=True, help="the project's name")
    p.add_argument("--var", action="append", default=[], metavar="KEY=VALUE",
                   help="a template variable (repeat for several)")
    p.add_argument("--window", metavar="START[/END]",
                   help="the planned cutover window, e.g. 2026-12-05T22:00/2026-12-06T02:00 "
                        "(read in the project's time zone unless an offset or [Zone] is given)")
    p.add_argument("--timezone", metavar="ZONE",
                   help="the site's IANA time zone, e.g. Europe/Berlin (overrides the template's)")

    p = add("list")
    json_flag(p)

    p = add("status")
    project(p)
    json_flag(p)
    p.add_argument("--forecast", choices=("p50", "p90"),
                   help="forecast with the rehearsals' median (p50) or p90 instead of estimates")
    p.add_argument("--stream", metavar="STREAM",
                   help="list only the items of one workstream (an item's stream:)")

    p = add("timeline")
    project(p)
    p.add_argument("--phase", metavar="PHASE",
                   help="this phase instead of execute (e.g. test)")
    p.add_argument("--width", type=int, metavar="N",
                   help="characters per line (default: the terminal's width, 100 in a pipe)")

    p = add("rehearse")
    project(p)
    p.add_argument("--name", help="the run's name (default: the project's name + rehearsal N)")
    p.add_argument("--window", metavar="START[/END]", help="the rehearsal's planned window")

    p = add("compare")
    p.add_argument("runs", metavar="RUN", nargs="+",
                   help="runs (projects or rehearsals); one live project means all its rehearsals")
    json_flag(p)
    p.add_argument("--format", choices=("md", "html"), help="write a Markdown or HTML document")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.add_argument("--propose-estimates", nargs="?", const="p90", choices=("p50", "p90"),
                   metavar="p50|p90",
                   help="write a template overlay with these estimates (default p90) to -o FILE")

    p = add("item")
    project(p)
    p.add_argument("item", metavar="ITEM", help="item id")
    p.add_argument("action", metavar="ACTION", choices=ITEM_ACTIONS,
                   help="one of: " + ", ".join(ITEM_ACTIONS))
    p.add_argument("--note", default="", metavar="TEXT",
                   help="why (required for skip, fail, block, reopen)")
    p.add_argument("--confirm-ponr", action="store_true",
                   help="pass the point of no return: start (or do) an item marked "
                        "point_of_no_return, after which no rollback is possible")

    p = add("approve")
    project(p)
    p.add_argument("item", metavar="ITEM", help="approval item id")
    decision = p.add_mutually_exclusive_group(required=True)
    decision.add_argument("--go", dest="go", action="store_true", default=None, help="say go")
    decision.add_argument("--no-go", dest="go", action="store_false", help="say no-go")
    p.add_argument("--note", default="", metavar="TEXT", help="a note with the decision")
    p.add_argument("--role", metavar="ROLE",
                   help="the approver (role or person) decided for; default: the one role you "
                        "hold, or the operator's name")
    p.add_argument("--change", action="store_true",
                   help="change a decision already recorded (needs --note REASON)")

    p.add_argument("--confirm-ponr", action="store_true",
                   help="a go on an approval marked point_of_no_return passes it")

    p = add("team")
    project(p)
    p.add_argument("action", metavar="ACTION", nargs="?", choices=("add", "remove"),
                   help="add or remove (leave out to list the team)")
    p.add_argument("user", metavar="USER", nargs="?", help="the person")
    p.add_argument("role", metavar="ROLE", nargs="?", help="the role id")
    json_flag(p)

    p = add("notify")
    p.add_argument("project", metavar="PROJECT|run",
                   help="the project, or 'run' to start the sender")
    p.add_argument("action", metavar="ACTION", nargs="?",
                   help="add, list (default), remove RULE or status; after run: a PROJECT")
    p.add_argument("rule", metavar="RULE", nargs="?", help="with remove: the rule's id")
    json_flag(p)
    p.add_argument("--id", metavar="ID", help="add: the rule's id (default rule-N)")
    p.add_argument("--on", action="append", metavar="TRIGGER",
                   help="add: a trigger, e.g. item_failed or 'decide_by 30m' (repeat or "
                        "separate with commas)")
    p.add_argument("--to", action="append", metavar="TARGET",
                   help="add: webhook:URL_REF, command:CMD or file:/PATH.jsonl (repeat for several)")
    p.add_argument("--items", action="append", metavar="IDS", help="add: only these items")
    p.add_argument("--phases", action="append", metavar="IDS", help="add: only these phases")
    p.add_argument("--owners", action="append", metavar="NAMES",
                   help="add: only items of these owners")
    p.add_argument("--shape", choices=("generic", "slack", "teams", "mattermost"),
                   help="add: the webhooks' payload shape (default generic)")
    p.add_argument("--timeout", metavar="DURATION",
                   help="add: give up one try after this long (default 10s, commands 30s)")
    p.add_argument("--rehearsal", action="store_true",
                   help="add: the targets also get the notifications of rehearsals")
    p.add_argument("--allow-commands", action="store_true",
                   help="run: also run command: targets (as this sender's user)")
    p.add_argument("--once", action="store_true",
                   help="run: deliver what is due now, then exit (3 when some wait for a retry)")
    p.add_argument("--max-tries", type=int, default=12, metavar="N",
                   help="run: tries before a notification fails for good (default 12)")
    p.add_argument("--backoff", default="1s", metavar="DURATION",
                   help="run: wait before the second try, doubled each time up to 5m "
                        "(default 1s)")

    p = add("note")
    project(p)
    p.add_argument("text", metavar="TEXT", nargs="?", help="the note")
    p.add_argument("--item", metavar="ITEM", help="the item the note is about")
    p.add_argument("--lesson", metavar="TEXT", help="a lesson learned (instead of TEXT)")

    p = add("review")
    project(p)
    p.add_argument("--format", choices=("md", "html", "json"), default="md",
                   help="md (default), html or json")
    p.add_argument("-o", "--output", metavar="FILE", help="write the review here instead of stdout")

    p = add("metric")
    project(p)
    p.add_argument("item", metavar="ITEM", help="metric item id")
    p.add_argument("value", metavar="VALUE", help="the reading, with its unit (130ms, 99.9%%)")
    p.add_argument("--note", default="", metavar="TEXT", help="where the reading comes from")

    p = add("cost")
    project(p)
    p.add_argument("item", metavar="ITEM", help="item id")
    p.add_argument("amount", metavar="AMOUNT", help="the amount (negative for a credit)")
    p.add_argument("--note", default="", metavar="TEXT", help="invoice, order or reason")

    p = add("log")
    project(p)
    p.add_argument("--follow", "-f", action="store_true", help="keep printing new entries")
    json_flag(p, "JSON (one object per line with --follow)")
    p.add_argument("--since", metavar="TIME",
                   help="only entries from TIME on (ISO time, or a duration ago such as 2h)")

    p = add("gate")
    project(p)
    p.add_argument("item", metavar="ITEM", help="approval item id")
    p.add_argument("--wait", action="store_true", help="block until it is decided")
    p.add_argument("--timeout", metavar="DURATION", help="give up after this long (exit 3); implies --wait")
    json_flag(p)

    p = add("window")
    project(p)
    p.add_argument("action", metavar="open|close|set", choices=("open", "close", "set"),
                   help="open or close the real window, or set the planned one")
    p.add_argument("start", metavar="START", nargs="?", help="with set: the planned start")
    p.add_argument("end", metavar="END", nargs="?", help="with set: the planned end, or a duration")

    p = add("verify")
    project(p)
    p.add_argument("item", metavar="ITEM", help="item id")
    p.add_argument("--yes", "-y", action="store_true", help="run without asking")
    p.add_argument("--timeout", metavar="DURATION", default="5m",
                   help="kill the command after this long (default 5m)")

    p = add("rollback")
    project(p)
    actions = p.add_subparsers(dest="rollback_action", metavar="ACTION", required=True,
                               parser_class=_Parser)
    a = actions.add_parser("start", help="start the rollback (forward work freezes)",
                           parents=[parent])
    a.add_argument("--note", required=True, metavar="TEXT", help="why (required)")
    a = actions.add_parser("status", help="the steps and the backout forecast", parents=[parent])
    json_flag(a)
    a = actions.add_parser("step", help="start, finish (done), fail or skip one step",
                           parents=[parent])
    a.add_argument("item", metavar="ITEM", help="the step: the id of the item it undoes")
    a.add_argument("step_action", metavar="start|done|fail|skip",
                   choices=("start", "done", "fail", "skip"), help="what happened to the step")
    a.add_argument("--note", default="", metavar="TEXT", help="why (required for fail and skip)")
    a = actions.add_parser("finish", help="end the rollback: every step done or skipped",
                           parents=[parent])
    a.add_argument("--note", default="", metavar="TEXT", help="a note (e.g. the outcome)")
    a = actions.add_parser("cancel", help="stop the rollback, back to forward work",
                           parents=[parent])
    a.add_argument("--note", required=True, metavar="TEXT", help="why (required)")

    p = add("export")
    project(p)
    p.add_argument("--format", required=True, choices=("md", "html", "json", "csv"),
                   help="md, html, json or csv")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report here instead of stdout")

    p = add("check-log")
    project(p)
    p.add_argument("--head", metavar="N:HASH",
                   help="also check that event N is there with this hash (at least 8 hex "
                        "digits), as recorded elsewhere: a change record, a chat message")

    p = add("locate")
    json_flag(p)

    p = add("db")
    actions = p.add_subparsers(dest="db_action", metavar="ACTION", required=True,
                               parser_class=_Parser)
    a = actions.add_parser("init", help="create or migrate the schema, grant roles",
                           parents=[parent])
    a.add_argument("--operator-role", metavar="ROLE",
                   help="grant this existing role what operators need (INSERT and SELECT on "
                        "the events, no UPDATE or DELETE)")
    a.add_argument("--reader-role", metavar="ROLE",
                   help="grant this existing role read-only access (serve, reports)")

    p = add("restore")
    p.add_argument("file", metavar="FILE", help="a JSON export (updeck export --format json)")

    p = add("serve")
    p.add_argument("project", metavar="PROJECT", nargs="?", help="open on this project")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--allow-remote", action="store_true",
                   help="listen on a non-loopback address (the access token is then all "
                        "that protects the view; prefer an SSH tunnel)")
    p.add_argument("--max-sessions", type=int, default=4, metavar="N",
                   help="at most N browser sessions at once, each one dashboard process "
                        "(default 4)")
    return parser
