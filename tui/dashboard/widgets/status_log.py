"""The live status log: newest at the bottom, one line per event, drawn lazily.

It follows new entries while the view is at the bottom; scrolled up, it stays put and
says how many new entries wait below. Filter by kind and by operator.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from updeck.models.events import Event, EventKind
from updeck.tui.dashboard.format import describe, event_line, stamp

KIND_GROUPS: dict[str, set[EventKind]] = {
    "moves": {EventKind.ITEM_STARTED, EventKind.ITEM_DONE, EventKind.ITEM_FAILED,
              EventKind.ITEM_SKIPPED, EventKind.ITEM_BLOCKED, EventKind.ITEM_UNBLOCKED,
              EventKind.ITEM_REOPENED},
    "approvals": {EventKind.APPROVAL_DECIDED},
    "notes": {EventKind.NOTE},
    "verify": {EventKind.VERIFICATION_RECORDED},
    "window": {EventKind.WINDOW_PLANNED, EventKind.WINDOW_OPENED, EventKind.WINDOW_CLOSED,
               EventKind.ROLLBACK_STARTED, EventKind.ROLLBACK_STEP_STARTED,
               EventKind.ROLLBACK_STEP_DONE, EventKind.ROLLBACK_STEP_FAILED,
               EventKind.ROLLBACK_STEP_SKIPPED, EventKind.ROLLBACK_FINISHED,
               EventKind.ROLLBACK_CANCELLED},
}
KIND_CYCLE = ["all", "moves", "approvals", "notes", "verify", "window"]


class StatusLog(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("down,j", "scroll_down", "Down", show=False),
        Binding("up,k", "scroll_up", "Up", show=False),
        Binding("end,G", "follow", "Follow", show=False, id="log.follow"),
        Binding("home,g", "scroll_home", "Oldest", show=False),
        Binding("t", "cycle_kind", "Kind filter", id="log.kind"),
        Binding("o", "cycle_operator", "Operator filter", id="log.operator"),
        Binding("slash", "search", "Search", id="log.search"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.events: list[Event] = []
        self.shown: list[int] = []  # indices into events that pass the filter
        self.kind_filter = "all"
        self.operator_filter = ""  # "" = everyone
        self.search = ""  # words, by:NAME, item:ID, kind:KIND (the / search)
        self._words: list[str] = []
        self._items: list[str] = []
        self._by: list[str] = []
        self._kinds: set[EventKind] = set()
        self.last_seq = 0
        self.unseen = 0
        self.follow = True  # stick to the newest entry until the user scrolls up
        self.loading = False
        self.others: set[int] = set()  # seqs of other operators' changes seen live: marked

    # --- data -----------------------------------------------------------------

    def load(self, events: Iterable[Event], loading: bool = False) -> None:
        self.loading = loading
        self.events = sorted(events, key=lambda e: e.seq)
        self.last_seq = self.events[-1].seq if self.events else 0
        self._refilter(follow=True)

    def add(self, events: Iterable[Event]) -> int:
        """Append events not seen yet; return how many were new."""
        fresh = [e for e in events if e.seq > self.last_seq]
        if not fresh:
            return 0
        fresh.sort(key=lambda e: e.seq)
        following = self.follow
        start = len(self.events)
        self.events.extend(fresh)
        self.last_seq = fresh[-1].seq
        added = [start + i for i, e in enumerate(fresh) if self._passes(e)]
        self.shown.extend(added)
        self.virtual_size = Size(self.size.width, len(self.shown))
        if following:
            self._to_end()
            self.unseen = 0
        else:
            self.unseen += len(added)
        self._update_title()
        self.refresh()
        return len(fresh)

    def mark_others(self, seqs: Iterable[int]) -> None:
        """Highlight these entries: changes other operators made while we watched."""
        self.others.update(seqs)
        self.refresh()

    def _to_end(self) -> None:
        self.follow = True
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        # The new virtual size is applied on the next refresh: scroll again after it.
        self.call_after_refresh(self.scroll_end, animate=False, immediate=True, x_axis=False)

    def _passes(self, event: Event) -> bool:
        if self.kind_filter != "all" and event.kind not in KIND_GROUPS[self.kind_filter]:
            return False
        if self.operator_filter and event.by.user != self.operator_filter:
            return False
        if not self.search:
            return True
        if self._kinds and event.kind not in self._kinds:
            return False
        if self._by and event.by.user.lower() not in self._by:
            return False
        if self._items and (event.item or "").lower() not in self._items:
            return False
        if self._words:
            hay = f"{event.by.user} {describe(event)}".lower()
            return all(w in hay for w in self._words)
        return True

    def set_search(self, query: str) -> None:
        """``/`` on the log: words, ``by:NAME``, ``item:ID``, ``kind:GROUP`` (all must hold)."""
        self.search = query.strip()
        self._words, self._items, self._by, self._kinds = [], [], [], set()
        for word in self.search.split():
            key, sep, value = word.partition(":")
            key, value = key.lower(), value.lower()
            if sep and key in ("by", "operator", "who"):
                self._by.append(value)
            elif sep and key == "item":
                self._items.append(value)
            elif sep and key == "kind" and value in KIND_GROUPS:
                self._kinds |= KIND_GROUPS[value]
            else:
                self._words.append(word.lower())
        self._refilter()

    def _refilter(self, follow: bool = True) -> None:
        self.shown = [i for i, e in enumerate(self.events) if self._passes(e)]
        self.virtual_size = Size(self.size.width, len(self.shown))
        if follow:
            self._to_end()
            self.unseen = 0
        self._update_title()
        self.refresh()

    def set_filter(self, kind: str = "all", operator: str = "") -> None:
        self.kind_filter = kind if kind in KIND_CYCLE else "all"
        self.operator_filter = operator
        self._refilter()

    def operators(self) -> list[str]:
        seen: dict[str, None] = {}
        for event in self.events[-5000:]:
            seen.setdefault(event.by.user, None)
        return list(seen)

    def _update_title(self) -> None:
        parts = ["Status log"]
        if self.kind_filter != "all":
            parts.append(f"kind: {self.kind_filter}")
        if self.operator_filter:
            parts.append(f"by: {self.operator_filter}")
        if self.search:
            parts.append(f"search: {self.search} ({len(self.shown)})")
        if self.unseen:
            parts.append(f"↓ {self.unseen} new (End to follow)")
        self.border_title = " · ".join(parts)

    # --- actions --------------------------------------------------------------

    def action_follow(self) -> None:
        self._to_end()
        self.unseen = 0
        self._update_title()

    def action_search(self) -> None:
        from updeck.tui.dashboard.screens.log_search import LogSearchDialog

        def done(query: str | None) -> None:
            if query is not None:
                self.set_search(query)

        self.app.push_screen(LogSearchDialog(self.search), done)

    def action_cycle_kind(self) -> None:
        index = KIND_CYCLE.index(self.kind_filter)
        self.set_filter(KIND_CYCLE[(index + 1) % len(KIND_CYCLE)], self.operator_filter)

    def action_cycle_operator(self) -> None:
        choices = ["", *self.operators()]
        try:
            index = choices.index(self.operator_filter)
        except ValueError:
            index = 0
        self.set_filter(self.kind_filter, choices[(index + 1) % len(choices)])

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new < old and new < self.max_scroll_y:
            self.follow = False  # the user looks back: stay put
        elif new >= self.max_scroll_y:
            self.follow = True
            if self.unseen:
                self.unseen = 0
                self._update_title()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.shown))
        if self.follow:
            self._to_end()

    # --- drawing --------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if not 0 <= index < len(self.shown):
            if index == 0 and not self.shown:
                text = ("reading the status log…" if self.loading else
                        "no entries" + (" match the filter" if self.events else " yet"))
                dim = self.rich_style + Style(dim=True)
                return Strip([Segment(" " + text, dim)]).extend_cell_length(width, self.rich_style)
            return Strip.blank(width, self.rich_style)
        event = self.events[self.shown[index]]
        today = getattr(self.app, "now", lambda: None)()
        line = event_line(event, today)
        if event.seq in self.others:  # someone else's change, seen live: marked
            start = len(stamp(event.at, today)) + 1
            line.stylize("bold reverse", start, start + 10)
        line.truncate(width, overflow="ellipsis")
        base = self.rich_style
        return Strip(list(line.render(self.app.console))).crop_extend(0, width, base).apply_style(base)
