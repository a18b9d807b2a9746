"""The project report written as a file (``updeck export``): Markdown, HTML, JSON or CSV.

What the report says is :func:`updeck.models.report.build_report`; this package only
writes that data in one of :data:`FORMATS`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime

from updeck.models.events import Event
from updeck.models.report import FORMATS, Data, build_report
from updeck.models.schedule import Schedule
from updeck.models.state import ProjectState
from updeck.models.text import block, json_visible
from updeck.tui.cli.export.csv_table import CSV_COLUMNS, render_csv
from updeck.tui.cli.export.html_page import render_html
from updeck.tui.cli.export.markdown import render_markdown

__all__ = ["CSV_COLUMNS", "FORMATS", "render", "render_csv", "render_data", "render_html",
           "render_json", "render_markdown"]


def render_json(data: Data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[Data], str]] = {
    "md": render_markdown,
    "html": render_html,
    "json": render_json,
    "csv": render_csv,
}


def render_data(fmt: str, data: Data) -> str:
    """Report data (from ``build_report``) in one of :data:`FORMATS`, through the one
    sanitiser (a file is read with ``cat`` as often as in a browser: no escape sequence
    or invisible character, in any format)."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    text = RENDERERS[fmt](data)
    return json_visible(text) if fmt == "json" else block(text)


def render(fmt: str, state: ProjectState, schedule: Schedule, events: Sequence[Event],
           now: datetime) -> str:
    """The report in one of :data:`FORMATS` (see :func:`render_data`)."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    data = build_report(state, schedule, events, now)
    if fmt == "html":
        from updeck.models.summary import summarise
        from updeck.models.timeline import build_timeline, timeline_phase
        from updeck.tui.cli.export.timeline_svg import timeline_svg

        phase = timeline_phase(state, summarise(state, schedule).current_phase)
        return block(render_html(data, timeline_svg(build_timeline(state, schedule, phase))))
    return render_data(fmt, data)
