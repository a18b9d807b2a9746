"""``status --stream S``: the status data narrowed to one workstream's items."""

from __future__ import annotations

from typing import Any

from updeck.models.state import ProjectState
from updeck.tui.cli.exit_codes import EXIT_USAGE, CliError

_ITEM_LISTS = ("running", "blocked", "failed", "late", "approvals_pending")


def only_stream(data: dict[str, Any], state: ProjectState, stream: str) -> dict[str, Any]:
    """The same data with item lists and streams kept to ``stream``; exit 2 if unknown."""
    known = [s["id"] for s in data.get("streams", [])]
    if stream not in known:
        hint = f"streams in this project: {', '.join(known)}" if known else \
            "no item in this project names a stream (stream: in the template)"
        raise CliError(f"--stream: no stream {stream!r}; {hint}", EXIT_USAGE)
    mine = {spec.id for spec in state.specs.values() if spec.stream == stream}
    out = dict(data)
    for key in _ITEM_LISTS:
        out[key] = [row for row in data[key] if row["item"] in mine]
    out["ready"] = [item for item in data["ready"] if item in mine]
    out["streams"] = [s for s in data["streams"] if s["id"] == stream]
    out["stream"] = stream
    return out
