"""The notice bar: one line under the header saying what other operators changed
(coalesced per operator: ``3 changes by priya, last: extract done``) or an error, so
nothing stacks over the header, the checklist or the log."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget
from updeck.models.events import Event
from updeck.tui.dashboard.format import describe, plain

QUIET_AFTER = 30.0  # seconds without a new change before the bar clears and counts restart
ERROR_FOR = 15.0  # seconds an error stays in the bar


@dataclass
class _Tally:
    count: int
    last: str


class NoticeBar(Widget):
    """Hidden until there is something to say; then exactly one line."""

    DEFAULT_CSS = """
    NoticeBar {
        height: 1;
        padding: 0 1;
        background: $accent 25%;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        display: none;
    }
    NoticeBar.-error {
        background: $error 45%;
        text-style: bold;
    }
    """

    def __init__(self, *, id: str | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.tallies: dict[str, _Tally] = {}
        self.error = ""
        self.undelivered = ""  # notifications not delivered or failed (the outbox)
        self.undelivered_alarm = False
        self._changed_at = 0.0
        self._error_at = 0.0

    # --- what it is told ---------------------------------------------------------

    def changes(self, events: Iterable[Event]) -> None:
        """Other operators' events: counted per operator, the last one in words."""
        now = self.clock()
        if now - self._changed_at > QUIET_AFTER:
            self.tallies = {}
        for event in events:
            user = plain(event.by.user)
            tally = self.tallies.pop(user, None) or _Tally(0, "")
            tally.count += 1
            tally.last = plain(describe(event))
            self.tallies[user] = tally  # most recent operator last
            self._changed_at = now
        self._show()

    def alert(self, text: str) -> None:
        """An error: in the bar (red, bold) for a while, never over the header."""
        self.error = plain(text)
        self._error_at = self.clock()
        self._show()

    def outbox(self, text: str, *, alarm: bool = False) -> None:
        """What the notification outbox holds ("" once all is delivered)."""
        self.undelivered, self.undelivered_alarm = plain(text), alarm
        self._show()

    def expire(self) -> None:
        """Called periodically: drop what is old."""
        now = self.clock()
        changed = False
        if self.error and now - self._error_at > ERROR_FOR:
            self.error, changed = "", True
        if self.tallies and now - self._changed_at > QUIET_AFTER:
            self.tallies, changed = {}, True
        if changed:
            self._show()

    # --- drawing -----------------------------------------------------------------

    @property
    def text(self) -> str:
        if self.error:
            return f"! {self.error}"
        parts = []
        for user, tally in reversed(list(self.tallies.items())):
            if tally.count == 1:
                parts.append(f"{user}: {tally.last}")
            else:
                parts.append(f"{tally.count} changes by {user}, last: {tally.last}")
        if self.undelivered:
            parts.append(f"notifications: {self.undelivered}")
        return " · ".join(parts)

    def _show(self) -> None:
        self.set_class(bool(self.error) or self.undelivered_alarm, "-error")
        self.display = bool(self.error or self.tallies or self.undelivered)
        self.refresh()

    def render(self) -> Text:
        return Text(self.text, no_wrap=True, overflow="ellipsis")
