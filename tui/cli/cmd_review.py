"""Subcommand review: the post-implementation review drafted from the status log."""

from __future__ import annotations

import argparse
import json
import sys

from updeck.tui.cli.context import Context, schedule_of, warn, write_file
from updeck.tui.cli.exit_codes import EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from updeck.models.review import build_review
    from updeck.tui.cli.export.review_doc import review_html, review_markdown

    ctx = Context(args)
    project_id = ctx.project_id()
    state = ctx.state(project_id)
    data = build_review(state, schedule_of(state, ctx.now()), ctx.repo.events(project_id))
    if args.format == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        text = review_html(data)
    else:
        text = review_markdown(data)
    if args.output:
        write_file(args.output, text)
        warn(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return EXIT_OK
