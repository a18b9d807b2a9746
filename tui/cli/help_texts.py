"""What ``updeck COMMAND --help`` says of each command: its one-line help, its description
and its examples (the arguments themselves are in :mod:`updeck.tui.cli.parser`)."""

from __future__ import annotations

# name -> (one-line help, description, examples)
COMMAND_HELP: dict[str, tuple[str, str, tuple[str, ...]]] = {
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

