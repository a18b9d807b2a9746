"""Small text helpers shared by the widgets: times, event sentences, state labels.

Everything returned here is plain ``str`` or ``rich.text.Text`` built from plain
strings; text from templates and logs is never parsed as markup.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from rich.text import Text
from updeck.models.durations import format_duration
from updeck.models.event_text import event_text
from updeck.models.events import Event, EventKind
from updeck.models.schedule import Schedule
from updeck.models.state import STATUS_SYMBOL, STATUS_WORD, ItemStatus
from updeck.models.text import one_line

# Rich styles (for Text) of each item status.
RICH_STATUS_STYLE: dict[ItemStatus, str] = {
    ItemStatus.TODO: "",
    ItemStatus.IN_PROGRESS: "bold yellow",
    ItemStatus.DONE: "green",
    ItemStatus.FAILED: "bold red",
    ItemStatus.SKIPPED: "dim",
    ItemStatus.BLOCKED: "bold magenta",
}
LEVEL_STYLE = {"ok": "bold green", "amber": "bold yellow", "red": "bold red", "none": "dim"}
LEVEL_WORD = {"ok": "on time", "amber": "tight", "red": "late", "none": "no forecast"}
LEVEL_MARK = {"ok": "✔", "amber": "▲", "red": "✘", "none": "·"}

SHORT_PHASE = {
    "assess": "Assess", "requirements": "Reqs", "plan": "Plan", "test": "Test",
    "communicate": "Comms", "execute": "Execute", "monitor": "Monitor",
}


# One safe line (the one sanitiser): newlines shown as ⏎, escapes and invisible
# characters shown as \x1b / \u202e.
plain = one_line


def status_label(status: ItemStatus) -> str:
    return f"{STATUS_SYMBOL[status]} {STATUS_WORD[status]}"


def hhmm(moment: datetime | None, *, seconds: bool = False, zone: tzinfo = UTC) -> str:
    if moment is None:
        return "--:--"
    local = moment.astimezone(zone)
    return local.strftime("%H:%M:%S" if seconds else "%H:%M")


def when(moment: datetime | None, ref: datetime | None, zone: tzinfo = UTC) -> str:
    """HH:MM when on the same day (in ``zone``, UTC by default) as ``ref``, else
    ``MM-DD HH:MM`` (never a bare time that is really days away)."""
    if moment is None:
        return "--:--"
    moment = moment.astimezone(zone)
    if ref is not None and moment.date() == ref.astimezone(zone).date():
        return moment.strftime("%H:%M")
    return moment.strftime("%m-%d %H:%M")


def day_hhmm(moment: datetime | None, zone: tzinfo = UTC) -> str:
    if moment is None:
        return "not planned"
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def t_offset(now: datetime, start: datetime | None) -> str:
    """``T-2h15m`` before the window, ``T+40m`` inside it, ``no window`` without one."""
    if start is None:
        return "no window"
    delta = (now - start).total_seconds()
    if abs(delta) < 60:
        return "T" + ("-" if delta < 0 else "+") + f"{int(abs(delta))}s"
    return ("T-" if delta < 0 else "T+") + format_duration(abs(delta))


def margin_text(schedule: Schedule, *, wide: bool = True) -> Text:
    """``margin +1h20m ✔ ON TIME``; without a window end, says so instead of a level word
    (a forecast with ``NO FORECAST`` next to it read as a contradiction)."""
    out = Text(no_wrap=True)
    if schedule.window_start is None:
        out.append("margin: no window", style="dim")
        return out
    if schedule.window_end is None or schedule.margin is None:
        out.append("margin: the window has no end", style="dim")
        return out
    level = schedule.margin_level
    sign = "+" if schedule.margin >= 0 else "-"
    out.append(("margin " if wide else "") + f"{sign}{dur(abs(schedule.margin))} ")
    out.append(f"{LEVEL_MARK.get(level, '·')} {LEVEL_WORD[level].upper()}",
               style=LEVEL_STYLE[level])
    return out


def money(amount: float) -> str:
    """``1,200`` or ``1,200.50``: cents only when there are some."""
    if float(amount).is_integer():
        return f"{amount:,.0f}"
    return f"{amount:,.2f}"


def dur(seconds: float | int | None) -> str:
    return format_duration(seconds, empty="-")


def describe(event: Event) -> str:
    """One line, plain text, saying what an event did: the item, then the same words as
    ``updeck log`` and the exported report use (:func:`updeck.models.report.event_text`)."""
    text = event_text(event)
    if not event.item:
        return text
    if event.kind is EventKind.NOTE:
        return f"note on {event.item}: {text.removeprefix('note: ')}"
    if event.kind is EventKind.APPROVAL_DECIDED:
        return f"{event.item}: {text}"
    return f"{event.item} {text}"


EVENT_STYLE: dict[EventKind, str] = {
    EventKind.ITEM_DONE: "green",
    EventKind.ITEM_FAILED: "bold red",
    EventKind.ITEM_BLOCKED: "bold magenta",
    EventKind.ROLLBACK_STARTED: "bold red",
    EventKind.ROLLBACK_STEP_FAILED: "bold red",
    EventKind.ROLLBACK_STEP_DONE: "red",
    EventKind.ROLLBACK_FINISHED: "bold red",
    EventKind.ROLLBACK_CANCELLED: "bold",
    EventKind.WINDOW_OPENED: "bold",
    EventKind.ITEM_STARTED: "yellow",
}


def stamp(moment: datetime, today: datetime | None) -> str:
    """11 columns: ``14:02:11   `` today, ``11-27 18:42`` on another day."""
    moment = moment.astimezone(UTC)
    if today is None or moment.date() == today.astimezone(UTC).date():
        return moment.strftime("%H:%M:%S").ljust(11)
    return moment.strftime("%m-%d %H:%M")


def event_line(event: Event, today: datetime | None = None) -> Text:
    """``   14:02:11 alice  stop-apps done`` as a Text (no markup parsing)."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(stamp(event.at, today), style="dim")
    line.append(" ")
    who = plain(event.by.who()) if event.by.acting_as else f"{plain(event.by.user)[:10]:<10}"
    line.append(who, style="bold")
    line.append(" ")
    style = EVENT_STYLE.get(event.kind, "")
    if event.kind is EventKind.APPROVAL_DECIDED:
        style = "green" if event.payload.get("go") else "bold red"
    line.append(plain(describe(event)), style=style)
    return line
