"""The ``updeck`` command line's arguments: every subcommand, its options and its help.

Nothing here imports more than argparse: ``--help`` and ``--version`` stay fast. The work
is done by the ``cmd_*`` modules (see :mod:`updeck.tui.cli.handlers`), the text is made in
:mod:`updeck.tui.cli.output`; exit codes are in :mod:`updeck.tui.cli.exit_codes`.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from updeck.tui.cli.exit_codes import EXIT_USAGE, one_line

from updeck import __version__

ITEM_ACTIONS = ("start", "done", "fail", "skip", "block", "reopen", "unblock")


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in one line and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"updeck: error: {one_line(message)} (see '{self.prog} --help')\n")


_FORMATTER = argparse.RawDescriptionHelpFormatter


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _globals_parent() -> _Parser:
    """--db and --as, also accepted after the subcommand (they then win)."""
    parent = _Parser(add_help=False)
    parent.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="the data folder, or a PostgreSQL address postgresql://... or "
                             "service=NAME (env UPDECK_DB)")
    parent.add_argument("--as", dest="as_name", metavar="NAME", default=argparse.SUPPRESS,
                        help="who is acting (env UPDECK_OPERATOR; default: the login user)")
    return parent


# name -> (one-line help, description, examples)
_HELP: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "open": ("open the dashboard on one project",
             "Open the dashboard on one project's screen.",
             ("updeck open crm", "updeck open crm-upgrade-3f9a1c --read-only")),
    "demo": ("open the dashboard on a demo project",
             "Open the dashboard on a demo project made from the built-in CRM sample, with\n"
             "some history already in its log. The demo lives in its own data folder, demo/\n"
             "in the user data folder ('updeck locate' prints it), or in --db PATH when given,\n"
             "so it never mixes with real projects. UPDECK_DB is deliberately ignored here:\n"
             "on a shared host it names the team's real folder. Without a terminal it prints\n"
             "where the demo is and its status instead.",
             ("updeck demo", "updeck demo --reset", "updeck --db /tmp/try demo")),
    "templates": ("list the templates on the search path",
                  "List the templates on the search path: id, version, name, source file, and\n"
                  "whether each is shadowed by an earlier one or broken.",
                  ("updeck templates", "updeck templates --json | jq '.[].id'")),
    "validate": ("check template files",
                 "Check template files. Every error is printed as FILE:LINE:COL: message,\n"
                 "every warning (a verify command that cannot fail, a point of no return with\n"
                 "no rollback plan before it) as FILE:LINE:COL: warning: message. Exit 0 when\n"
                 "every file is valid (warnings too, unless --strict), 1 when one has errors,\n"
                 "2 when one cannot be read.",
                 ("updeck validate plans/pg.yaml", "updeck validate --strict plans/*.yaml")),
    "import": ("turn a Markdown runbook into a template",
               "Turn a Markdown runbook into a template: YAML on stdout or in OUT. Lines that\n"
               "could not be used are reported on stderr.",
               ("updeck import runbook.md", "updeck import runbook.md --id pg-upgrade -o pg.yaml")),
    "new": ("create a project from a template",
            "Create a project from a template id (on the search path) or a template file,\n"
            "and print the new project's id. Times are UTC unless they carry an offset;\n"
            "START may also be 'now' or '+2h', END a time or a duration after START.",
            ("updeck new postgres-major-upgrade --name 'PG 16 on orders' --var cluster=orders",
             "updeck new ./plan.yaml --name CRM --window 2026-12-05T22:00/2026-12-06T02:00",
             "updeck new crm-upgrade --name CRM --window '2026-12-05 22:00/4h'",
             "id=$(updeck new crm-upgrade --name CRM --window +1d)")),
    "list": ("list the projects",
             "List the projects: id, name, template, current phase, progress and window.",
             ("updeck list", "updeck list --json")),
    "status": ("show a project's progress, window and forecast",
               "Show a project's progress per phase with its gate, the items running, blocked,\n"
               "failed and late, the window (planned and real, T-minus or T-plus), the\n"
               "forecast finish and its margin, the backout time, the decide-by time and\n"
               "whether the point of no return has passed.",
               ("updeck status crm", "updeck status crm --json | jq .forecast")),
    "timeline": ("print the timeline: plan against actual, critical path",
                 "Print the timeline of the execute phase (or --phase): one row per item in\n"
                 "planned order with its planned bar (░), actual bar (▓, █ where both) and ◆ on\n"
                 "the critical path, and the lines for now, decide-by, point of no return and\n"
                 "window end. When items name a workstream (stream:), the rows are grouped under\n"
                 "a heading per stream.",
                 ("updeck timeline crm", "updeck timeline crm --phase test --width 120")),
    "rehearse": ("make a rehearsal run of a project",
                 "Create a rehearsal run from the project's template as the project holds it:\n"
                 "its own id and status log, linked to the project, marked REHEARSAL in list,\n"
                 "status, the dashboard and every export. Prints the new run's id.",
                 ("updeck rehearse crm", "updeck rehearse crm --name 'CRM dry run 2' --window +1d")),
    "compare": ("compare runs: actual durations, median and p90 per item",
                "Compare runs of one project item by item: the estimate, each run's actual\n"
                "duration, the median and the 90th percentile across the rehearsals given\n"
                "(linear interpolation between the closest ranks), the variance against the\n"
                "estimate, fails and skips with reasons; the execute phase against the\n"
                "window; the items whose drift most threatens the window first. One live\n"
                "project alone compares all its rehearsals. --propose-estimates writes a\n"
                "template overlay with the median (p50) or p90 as estimates, for review.",
                ("updeck compare crm", "updeck compare crm-rehearsal-1 crm-rehearsal-2 --json",
                 "updeck compare crm --format html -o compare.html",
                 "updeck compare crm --propose-estimates -o crm-estimates.yaml")),
    "item": ("move an item: start, done, fail, skip, block, reopen",
             "Move an item to another state. skip, fail, block and reopen need --note with\n"
             "the reason. A move the rules refuse (dependencies not done, no reason) exits 1\n"
             "and changes nothing; an unknown item exits 2.",
             ("updeck item crm stop-apps start",
              "updeck item crm stop-apps done --note 'all writers stopped'",
              "updeck item crm train-support skip --note 'support trained last quarter'",
              "updeck item crm backup block --note 'waiting for storage team'",
              "updeck item crm backup unblock")),
    "approve": ("record a go or no-go on an approval item",
                "Record the acting operator's decision on an approval item. The operator's\n"
                "name (--as) or --role must be one of the item's approvers. One no-go holds\n"
                "everything that depends on the item. When the project has a team (updeck\n"
                "team), you decide only for roles you hold (with exactly one, no --role is\n"
                "needed), one person never decides two roles of the same approval, and a\n"
                "decision already recorded changes only with --change --note, by the person\n"
                "who made it or a lead.",
                ("updeck --as alice approve crm go-no-go --go --role change-manager",
                 "updeck approve crm go-no-go --no-go --note 'backup not verified'",
                 "updeck approve crm go-no-go --no-go --change --note 'smoke test failed'")),
    "team": ("list or change who holds which role in a project",
             "List a project's team (every role, its title, whether it leads, who holds\n"
             "it), or add or remove one person in a role. Only a holder of a lead role may\n"
             "change the team; while no lead role has members, the project's creator may.\n"
             "Once anyone holds a role, approvals are enforced and only leads may use --as.",
             ("updeck team crm", "updeck team crm add alice change-manager",
              "updeck team crm remove bob dba", "updeck team crm --json")),
    "notify": ("notification rules, their delivery status, and the sender",
               "Notify people when something happens: 'add' a rule (--on triggers, --to\n"
               "targets), 'list' or 'remove' the project's rules, 'status' of the outbox\n"
               "(queued, delivered, failed per target). 'notify run [PROJECT]' is the sender:\n"
               "a long-running process that delivers every project's notifications (or one\n"
               "project's), one sender per project at a time. A webhook URL is a secret:\n"
               "write it as '${ENV_NAME}' (quoted, set in the sender's environment) or\n"
               "file:/path outside the data folder.",
               ("updeck notify crm add --id failures --on item_failed,approval_pending "
                "--to 'webhook:${SLACK_URL}' --shape slack",
                "updeck notify crm add --on item_ready --owners dba --to file:/var/log/updeck/crm.jsonl",
                "updeck notify crm list", "updeck notify crm remove failures",
                "updeck notify crm status --json", "updeck notify run",
                "updeck notify run crm --allow-commands")),
    "note": ("add a note to the status log",
             "Add a note to the status log, optionally about one item. --lesson TEXT marks\n"
             "the note as a lesson learned: updeck review lists the lessons.",
             ("updeck note crm 'vendor call moved to 23:00'",
              "updeck note crm 'slow, but progressing' --item run-migration",
              "updeck note crm --lesson 'order the extra disks a week earlier'")),
    "review": ("draft the post-implementation review from the log",
               "Draft the post-implementation review from the status log: outcome, window\n"
               "planned and actual, overruns and their items, failures, skips and blocks\n"
               "with reasons, rollback, approvals and who gave them, verification evidence,\n"
               "metrics against targets, budget variance, and the notes marked as lessons.",
               ("updeck review crm", "updeck review crm --format html -o review.html",
                "updeck review crm --format json | jq .overruns")),
    "metric": ("record a reading of a metric item",
               "Record a reading of a metric item (monitor phase): the value as measured, with\n"
               "its unit. status, export and the dashboard compare the latest reading with the\n"
               "item's target (e.g. '<= 150ms'). updeck extension of cli.md.",
               ("updeck metric crm p95-page-load 130ms",
                "updeck metric crm adoption 87% --note 'week 1, from the licence report'")),
    "cost": ("record an actual cost against an item",
             "Record an actual cost (in the project's currency) against an item; several\n"
             "records add up. The budget (status, export, the plan phase's panel) sets them\n"
             "against the template's planned cost. updeck extension of cli.md.",
             ("updeck cost crm licences 18400 --note 'invoice 2026-117'",
              "updeck cost crm consultant -1200 --note 'credit note'")),
    "log": ("print the status log",
            "Print the status log: time, operator, what happened, item. With --follow keep\n"
            "printing new entries as they arrive (like tail -f) until Ctrl-C. With --json,\n"
            "one JSON document, or one JSON object per line when following.",
            ("updeck log crm", "updeck log crm --since 2h", "updeck log crm --follow",
             "updeck log crm --follow --json | jq -c 'select(.kind==\"item_failed\")'")),
    "gate": ("show (or wait for) the state of an approval item",
             "Show the state of an approval item and its approvals. Exit 0 for go (or done),\n"
             "1 for no-go (or failed), 3 while still pending. With --wait, block until it is\n"
             "decided, or until --timeout (then exit 3).",
             ("updeck gate crm go-no-go",
              "updeck gate crm go-no-go --wait --timeout 30m && ./cutover.sh")),
    "window": ("open, close or plan the cutover window",
               "Record the real start (open) or end (close) of the cutover window, or plan it\n"
               "(set START [END]; without END the template's default duration is used).",
               ("updeck window crm open", "updeck window crm close",
                "updeck window crm set 2026-12-05T22:00 2026-12-06T02:00",
                "updeck window crm set '2026-12-05 22:00' 4h")),
    "verify": ("run an item's verify command and record the result",
               "Show the item's verify command, ask for confirmation (or take --yes), run it\n"
               "in bash (pipefail) with a timeout, stream its output, and record its exit\n"
               "code, the last 4 KB of output, the duration, the host and the operator in the\n"
               "status log. Exit 0 when the command passed, 1 when it failed. Nothing is run\n"
               "without that explicit request; without a terminal, --yes is required.",
               ("updeck verify crm inventory", "updeck verify crm smoke-test --yes --timeout 2m")),
    "rollback": ("run the backout: start, status, step, finish, cancel",
                 "Run the rollback as a runbook. 'start' (with --note saying why) freezes forward\n"
                 "work in the execute and monitor phases; its steps are the rollback texts of\n"
                 "the done items, newest first. Walk each with 'step ITEM start|done|fail|skip'\n"
                 "(fail and skip need --note), in order; 'finish' once every step is done or\n"
                 "skipped; 'cancel --note' returns to forward work. 'status' shows the steps and\n"
                 "when the backout finishes against the window end. Refused after the point of\n"
                 "no return (exit 1).",
                 ("updeck rollback crm start --note 'migration corrupts orders'",
                  "updeck rollback crm status --json | jq .finish_forecast",
                  "updeck rollback crm step migrate-schema start",
                  "updeck rollback crm step migrate-schema done",
                  "updeck rollback crm step dns skip --note 'dns was never switched'",
                  "updeck rollback crm finish --note 'old system serving'",
                  "updeck rollback crm cancel --note 'root cause fixed, going forward'")),
    "export": ("write a report of the project",
               "Write a report of the project for the change record: plan against actuals per\n"
               "phase, approvals, skipped and failed items with reasons, budget, requirements\n"
               "traceability, metrics, the window and the full status log. HTML is one\n"
               "self-contained file; CSV is one row per item.",
               ("updeck export crm --format md", "updeck export crm --format html -o crm.html",
                "updeck export crm --format csv -o items.csv", "updeck export crm --format json")),
    "check-log": ("verify that the status log is intact",
                  "Verify the status log's hash chain, and that it still holds what you saw\n"
                  "before (your witness) and the head given with --head. Exit 0 when intact,\n"
                  "1 with the first bad event named.",
                  ("updeck check-log crm", "updeck check-log crm --head 42:0123abcd")),
    "locate": ("print the folders in use",
               "Print the data folder, the config folder, the template search path (with which\n"
               "folders exist) and the demo folder.",
               ("updeck locate", "updeck --db /srv/updeck locate --json")),
    "db": ("set up a PostgreSQL database for updeck",
           "Work on the PostgreSQL database that --db or UPDECK_DB names. 'db init' creates\n"
           "updeck's schema (or migrates it to this version), run as the owner role, and\n"
           "grants the operator and read-only roles named. The password never goes on the\n"
           "command line: libpq reads ~/.pgpass, PGPASSFILE or PGPASSWORD.",
           ("updeck --db postgresql://db1.example.org/updeck db init",
            "updeck --db service=updeck db init --operator-role updeck_ops "
            "--reader-role updeck_view")),
    "restore": ("restore a project from a JSON export",
                "Write a project back from the file 'updeck export PROJECT --format json'\n"
                "wrote, into the data folder or database of --db, with every hash as it was:\n"
                "a backup's restore, or a move between a data folder and PostgreSQL. The\n"
                "chain is checked first; a project with the same id is never overwritten.",
                ("updeck export crm --format json -o crm.json",
                 "updeck --db postgresql://db1.example.org/updeck restore crm.json")),
    "serve": ("serve the dashboard read-only in a browser",
              "Serve the dashboard read-only in a browser through textual-serve. Listens on\n"
              "loopback unless --allow-remote; prints a URL with a random access token and\n"
              "refuses every request without it, and websockets from another origin.",
              ("updeck serve", "updeck serve crm --port 8081")),
}


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

    def add(name: str) -> argparse.ArgumentParser:
        short, description, examples = _HELP[name]
        return subs.add_parser(name, help=short, description=description,
                               epilog=_examples(*examples), formatter_class=_FORMATTER,
                               parents=[parent])

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

    p = add("demo")
    for action in p._actions:
        if action.dest == "db":
            action.help = "put the demo here instead of its own folder (UPDECK_DB is not used)"
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
