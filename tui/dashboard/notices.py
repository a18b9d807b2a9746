"""Where other operators' changes are announced: the notice bar of the screen showing
the project and a mark on their lines in its status log; a short toast only on a screen
without a notice bar."""

from __future__ import annotations

from typing import Any

from updeck.models.events import Event
from updeck.tui.dashboard.format import describe, plain


def tell_of(app: Any, project_id: str, fresh: list[Event]) -> None:
    """Announce the events in ``fresh`` that this dashboard did not write itself."""
    own = app.own_seqs.setdefault(project_id, set())
    others = [e for e in fresh if e.seq not in own]
    if not others:
        return
    # A poll can read our own write a moment before the write worker has noted its
    # sequence numbers: decide about our operator's events a little later.
    mine = [e for e in others if e.by == app.operator]
    theirs = [e for e in others if e.by != app.operator]
    if theirs:
        announce(app, theirs)
    if mine:
        def later(events: list[Event] = mine) -> None:
            seen = app.own_seqs.get(project_id, set())
            rest = [e for e in events if e.seq not in seen]
            if rest:
                announce(app, rest)

        app.set_timer(0.5, later)


def announce(app: Any, events: list[Event]) -> None:
    """Tell the person at this dashboard about ``events`` made by someone else."""
    from updeck.tui.dashboard.widgets.notice_bar import NoticeBar
    from updeck.tui.dashboard.widgets.status_log import StatusLog

    if not events:
        return
    base = next((s for s in reversed(app.screen_stack) if not _is_modal(s)), None)
    shown = False
    for screen in app.screen_stack:
        for log in screen.query(StatusLog):
            log.mark_others(e.seq for e in events)
        for bar in screen.query(NoticeBar):
            bar.changes(events)
            shown = shown or screen is base
    if shown:
        return
    # No notice bar anywhere (home, a screen of its own): one short, coalesced toast.
    users = {e.by.user for e in events}
    last = plain(describe(events[-1]))
    text = last if len(events) == 1 else f"{len(events)} changes, last: {last}"
    app.notify(text[:160], title=", ".join(sorted(plain(u) for u in users))[:40],
               timeout=4, markup=False)


def _is_modal(screen: Any) -> bool:
    from textual.screen import ModalScreen

    return isinstance(screen, ModalScreen)
