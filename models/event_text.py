"""The one-line wording of status-log events (``updeck log``, the report, the dashboard).

Also the small plain-text helpers that wording needs: ISO times, short UTC times, amounts
of money, and JSON-ready copies of payloads.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from updeck.models.durations import format_duration
from updeck.models.events import Event, EventKind
from updeck.models.notify_log import event_text as notify_event_text
from updeck.models.rollback import event_text as rollback_event_text
from updeck.models.verify_verdict import legacy_failure

_MOVE_WORD: dict[EventKind, str] = {
    EventKind.ITEM_STARTED: "started",
    EventKind.ITEM_DONE: "done",
    EventKind.ITEM_FAILED: "failed",
    EventKind.ITEM_SKIPPED: "skipped",
    EventKind.ITEM_BLOCKED: "blocked",
    EventKind.ITEM_UNBLOCKED: "unblocked",
    EventKind.ITEM_REOPENED: "reopened",
}


def event_text(event: Event) -> str:
    """One line of plain text that says what an event did (no item id for item moves:
    the item is a column of its own)."""
    p = event.payload
    kind = event.kind
    if kind in _MOVE_WORD:
        reason = str(p.get("reason", "") or "")
        text = _MOVE_WORD[kind]
        if kind is EventKind.ITEM_UNBLOCKED and p.get("to"):
            text += f" (back to {p['to']})"
        return text + (f": {reason}" if reason else "")
    if kind is EventKind.APPROVAL_DECIDED:
        word = "GO" if p.get("go") else "NO-GO"
        note = str(p.get("note", "") or "")
        changed = "changed to " if p.get("change") else ""
        return f"{changed}{word} from {p.get('approver', '?')}" + (f": {note}" if note else "")
    if kind is EventKind.TEAM_CHANGED:
        added = p.get("action") == "add"
        return (f"team: {p.get('user', '?')} {'now holds' if added else 'no longer holds'} "
                f"{p.get('role', '?')}")
    if kind is EventKind.NOTE:
        return ("lesson" if p.get("lesson") else "note") + f": {p.get('text', '')}"
    if kind is EventKind.VERIFICATION_RECORDED:
        code = p.get("exit_code")
        failure = str(p["failure"]) if "failure" in p else legacy_failure(int(code or 0))
        verdict = "passed" if not failure else f"failed ({failure})"
        seconds = float(p.get("duration", 0.0) or 0.0)
        took = f"{seconds:.1f}s" if seconds < 60 else format_duration(seconds)
        return f"verification {verdict} in {took} on {p.get('host') or '?'}: {p.get('command', '')}"
    if kind is EventKind.WINDOW_PLANNED:
        window = p.get("window") or {}
        return f"window planned {span(window.get('start'), window.get('end'))}"
    if kind is EventKind.WINDOW_OPENED:
        return "cutover window opened"
    if kind is EventKind.WINDOW_CLOSED:
        return "cutover window closed"
    if (rollback_text := rollback_event_text(event)) is not None:
        return rollback_text
    if (notify_text := notify_event_text(event)) is not None:
        return notify_text
    if kind is EventKind.ROLLBACK_STARTED:
        summary = str(p.get("summary", "") or "")
        return f"rollback started: {p.get('reason', '')}" + (f" ({summary})" if summary else "")
    if kind is EventKind.METRIC_RECORDED:
        note = str(p.get("note", "") or "")
        return f"reading {p.get('value', '')}" + (f": {note}" if note else "")
    if kind is EventKind.COST_RECORDED:
        note = str(p.get("note", "") or "")
        return f"cost {money(p.get('amount'))}" + (f": {note}" if note else "")
    if kind is EventKind.PROJECT_CREATED:
        project = p.get("project") or {}
        version = project.get("template_version") or ""
        return (f"project {project.get('name', '?')!r} created from template "
                f"{project.get('template_id', '?')}" + (f" {version}" if version else ""))
    return str(kind)  # pragma: no cover - every kind is handled above


def event_data(event: Event) -> dict[str, Any]:
    """An event as one log entry: time, operator, kind, item, human text (and the rest)."""
    return {
        "seq": event.seq,
        "at": iso(event.at),
        "by": event.by.user,
        "login": event.by.login,
        "who": event.by.who(),
        "host": event.by.host,
        "ssh_client": event.by.ssh_client,
        "kind": str(event.kind),
        "item": event.item,
        "text": event_text(event),
        "payload": plain(event.payload),
        "hash": event.hash,
    }


def iso(moment: datetime | None) -> str | None:
    """UTC ISO text, or None."""
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def span(start_text: Any, end_text: Any) -> str:
    """``2026-12-05 22:00 → 12-06 04:00 UTC`` (the end's date only when it differs)."""
    try:
        start = datetime.fromisoformat(str(start_text)).astimezone(UTC)
    except ValueError:
        return f"{short_time(start_text)} → {short_time(end_text)}"
    try:
        end = datetime.fromisoformat(str(end_text)).astimezone(UTC)
    except ValueError:
        return f"{start:%Y-%m-%d %H:%M} UTC, no end"
    end_shown = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M} → {end_shown} UTC"


def short_time(text: Any) -> str:
    """``2026-12-05 22:00 UTC`` from ISO text; ``?`` when empty, the text itself when not a time."""
    if not text:
        return "?"
    try:
        return datetime.fromisoformat(str(text)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(text)


def plain(value: Any) -> Any:
    """A JSON-ready copy: mappings and sequences copied, datetimes as ISO text."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def money(value: Any) -> str:
    """``1,234.50``; ``-`` when there is none."""
    if value is None or value == "":
        return "-"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,.2f}"
