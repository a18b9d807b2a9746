"""Workstream groups in the checklist: when a phase's items belong to more than one
stream, their rows are ordered stream by stream under a header row each."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from updeck.models.state import CLOSED, ProjectState
from updeck.models.template import ItemSpec

HEADER = "#stream:"  # a row that starts with this is a header ('#' is never in an item id)
NO_STREAM = "(no stream)"


def is_header(row: str) -> bool:
    return row.startswith(HEADER)


def grouped_rows(specs: Sequence[ItemSpec]) -> list[str]:
    """Item ids, with a header row before each stream's items when there is more than one
    stream (items without one form the last group); the order within a stream is kept."""
    streams = list(dict.fromkeys(spec.stream for spec in specs))
    if len(streams) < 2 or streams == [""]:
        return [spec.id for spec in specs]
    streams.sort(key=lambda name: name == "")  # named streams first, as they appear
    rows: list[str] = []
    for name in streams:
        rows.append(HEADER + name)
        rows.extend(spec.id for spec in specs if spec.stream == name)
    return rows


def header_text(row: str, state: ProjectState, phase: str, width: int) -> Text:
    """``── dba  2/5 here · 7/12 in all ──``: the stream's progress in this phase and overall."""
    name = row[len(HEADER):]
    here = [s for s in state.phase_items(phase) if s.stream == name]
    everywhere = [s for s in state.specs.values() if s.stream == name]

    def closed(specs: list[ItemSpec]) -> int:
        return sum(1 for s in specs if state.items[s.id].status in CLOSED)

    line = Text(no_wrap=True, overflow="ellipsis")
    line.append("── ", style="dim")
    line.append(name or NO_STREAM, style="bold magenta" if name else "bold dim")
    line.append(f"  {closed(here)}/{len(here)} here", style="dim")
    if name and len(everywhere) != len(here):
        line.append(f" · {closed(everywhere)}/{len(everywhere)} in all", style="dim")
    line.append(" ")
    line.append("─" * max(0, width - line.cell_len), style="dim")
    line.truncate(width)
    return line
