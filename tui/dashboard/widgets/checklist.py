"""The checklist of one phase: one line per item, drawn lazily (line API), so a phase
with thousands of items scrolls and updates without building a widget per row."""

from __future__ import annotations

from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from updeck.models.plan import plan_for
from updeck.models.state import STATUS_SYMBOL, STATUS_WORD, ItemStatus, ProjectState
from updeck.models.timeline import planned_critical_path
from updeck.tui.dashboard.format import RICH_STATUS_STYLE, dur, plain
from updeck.tui.dashboard.item_filter import ItemFilter, ordered_items
from updeck.tui.dashboard.widgets.stream_groups import grouped_rows, header_text, is_header

ROW_FIXED = 2 + 10 + 7 + 5  # cursor, state word, time, mark
OWNER_W = 11
ID_CAP = 24  # the id column never takes more
ID_MIN = 8  # below this the id column hides rather than show a stub
TITLE_WANTS = 48  # the title is served first, up to this (or its longest) width


class Checklist(ScrollView, can_focus=True):
    """Items of the selected phase with state (symbol + word), id, title, owner, time."""

    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="checklist.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="checklist.up"),
        Binding("home,g", "first", "First", show=False, id="checklist.first"),
        Binding("end,G", "last", "Last", show=False, id="checklist.last"),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
    ]

    cursor: reactive[int] = reactive(0, init=False)

    class Highlighted(Message):
        def __init__(self, checklist: Checklist, item_id: str | None) -> None:
            super().__init__()
            self.checklist = checklist
            self.item_id = item_id

        @property
        def control(self) -> Checklist:
            return self.checklist

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state: ProjectState | None = None
        self.phase = "assess"
        self.filter = ItemFilter()
        self.late: set[str] = set()
        self.late_reasons: dict[str, str] = {}
        self.running_elapsed: dict[str, float] = {}
        self.rows: list[str] = []
        self._cache: dict[str, tuple[tuple[object, ...], Strip]] = {}
        self._id_width: tuple[tuple[object, ...], int] | None = None

    # --- data -----------------------------------------------------------------

    @property
    def current(self) -> str | None:
        if 0 <= self.cursor < len(self.rows) and not is_header(self.rows[self.cursor]):
            return self.rows[self.cursor]
        return None

    def show(self, state: ProjectState, phase: str | None = None, *,
             late: Iterable[str] = (), late_reasons: dict[str, str] | None = None) -> None:
        """Redraw for a new state (or phase); keeps the cursor on the same item."""
        keep = self.current
        phase_changed = phase is not None and phase != self.phase
        self.state = state
        if phase is not None:
            self.phase = phase
        self.late = set(late)
        self.late_reasons = late_reasons or {}
        self._rebuild(None if phase_changed else keep)

    def show_times(self, running_elapsed: dict[str, float], late: Iterable[str]) -> None:
        """The clock moved: new running times and late items, same rows; repaint."""
        self.running_elapsed = running_elapsed
        self.late = set(late)
        self._cache.clear()
        self.refresh()

    def set_filter(self, item_filter: ItemFilter) -> None:
        keep = self.current
        self.filter = item_filter
        self._rebuild(keep)

    def select(self, item_id: str) -> bool:
        if item_id in self.rows:
            self.cursor = self.rows.index(item_id)
            return True
        return False

    def _rebuild(self, keep: str | None) -> None:
        self._cache.clear()
        state = self.state
        if state is None:
            self.rows = []
        else:
            specs = ordered_items(state, self.phase, self.filter.all_phases)
            if self.filter.active:
                specs = [s for s in specs if self.filter.matches(s, state, self.late)]
            self.rows = grouped_rows(specs)
        self.virtual_size = Size(self.size.width, len(self.rows))
        old = self.cursor
        if keep is not None and keep in self.rows:
            new = self.rows.index(keep)
        else:
            new = min(old, max(len(self.rows) - 1, 0)) if keep is not None else 0
        new = self._off_header(new, 1)
        self.set_reactive(Checklist.cursor, new)
        self._scroll_cursor_visible()
        self.refresh()
        self.post_message(self.Highlighted(self, self.current))

    # --- cursor ---------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if 0 <= new < len(self.rows) and is_header(self.rows[new]):
            self.cursor = self._off_header(new, 1 if new >= old else -1)
            if new == 0:
                self.scroll_to(y=0, animate=False, immediate=True)  # keep the first header shown
            return
        self._scroll_cursor_visible()
        self.refresh()
        self.post_message(self.Highlighted(self, self.current))

    def _off_header(self, index: int, step: int) -> int:
        """The nearest item row from ``index`` in direction ``step`` (else the other way)."""
        for direction in (step, -step):
            probe = index
            while 0 <= probe < len(self.rows):
                if not is_header(self.rows[probe]):
                    return probe
                probe += direction
        return index

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.rows) - 1)) if self.rows else 0

    def _scroll_cursor_visible(self) -> None:
        height = self.scrollable_content_region.height or 1
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.rows) - 1

    def action_page_down(self) -> None:
        self.cursor += max(1, self.scrollable_content_region.height - 1)

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.scrollable_content_region.height - 1)

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if isinstance(y, int):
            self.cursor = round(self.scroll_offset.y) + y

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.size.width, len(self.rows))

    # --- drawing --------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if self.state is None or not 0 <= index < len(self.rows):
            if index == 0 and self.state is not None:
                empty = ("nothing matches the filter " + repr(self.filter.source)
                         if self.filter.active else "no items in this phase")
                dim = self.rich_style + Style(dim=True)
                return Strip([Segment(f"  {empty}"[:width], dim)]).extend_cell_length(
                    width, self.rich_style)
            return Strip.blank(width, self.rich_style)
        item_id = self.rows[index]
        if is_header(item_id):
            return Strip(list(header_text(item_id, self.state, self.phase, width).render(
                self.app.console))).crop_extend(0, width, self.rich_style).apply_style(self.rich_style)
        selected = index == self.cursor
        run = self.state.items[item_id]
        key = (run.last_seq, run.status, width, selected, self.has_focus, item_id in self.late,
               self.running_elapsed.get(item_id, 0) // 60)
        cached = self._cache.get(item_id)
        if cached is not None and cached[0] == key:
            return cached[1]
        text = self.row_text(item_id, width, selected)
        segments = list(text.render(self.app.console))
        base = self.rich_style
        strip = Strip(segments).crop_extend(0, width, base).apply_style(base)
        if selected:
            strip = strip.apply_style(Style(reverse=not self.has_focus, bold=True,
                                            bgcolor=None if not self.has_focus else "blue",
                                            color=None if not self.has_focus else "bright_white"))
        self._cache[item_id] = (key, strip)
        return strip

    def critical_path(self) -> frozenset[str]:
        """The plan's critical path, computed once per project (its specs never change)."""
        assert self.state is not None
        specs = self.state.specs
        cached = getattr(self, "_critical", None)
        if cached is None or cached[0] is not specs:
            path = planned_critical_path(plan_for(self.state), specs)
            cached = self._critical = (specs, frozenset(path))
        return cached[1]

    def id_width(self, width: int = 80) -> int:
        """The id column: what the titles leave (the title gets the width first); 0 hides
        it (the detail and the filter still show and find ids)."""
        if not self.rows or self.state is None:
            return 0
        key = (width, len(self.rows), self.rows[0], self.rows[-1], self.phase)
        if self._id_width is not None and self._id_width[0] == key:
            return self._id_width[1]
        rows = [r for r in self.rows[:500] if not is_header(r)]
        if not rows:
            return 0
        specs = self.state.specs
        longest_title = max(len(specs[r].title) + 2 for r in rows)
        longest_id = min(ID_CAP, max(len(r) for r in rows))
        room = width - ROW_FIXED - (OWNER_W if width >= 70 else 0) - \
            min(longest_title, TITLE_WANTS) - 1
        idw = min(longest_id, room)
        idw = idw if idw >= ID_MIN else 0
        self._id_width = (key, idw)
        return idw

    def row_text(self, item_id: str, width: int, selected: bool) -> Text:
        assert self.state is not None
        state = self.state
        spec = state.specs[item_id]
        run = state.items[item_id]
        status = run.status
        idw = self.id_width(width)
        show_owner = width >= 70
        owner_w = OWNER_W if show_owner else 0
        time_w = 7
        fixed = ROW_FIXED + (idw + 1 if idw else 0) + owner_w
        title_w = max(8, width - fixed)

        line = Text(no_wrap=True, overflow="ellipsis")
        line.append("▸ " if selected else "  ")
        line.append(f"{STATUS_SYMBOL[status]} {STATUS_WORD[status]:<8}",
                    style=RICH_STATUS_STYLE[status])
        if idw:
            ident = item_id if len(item_id) <= idw else item_id[: idw - 1] + "…"
            line.append(f"{ident:<{idw}} ", style="dim" if status is ItemStatus.SKIPPED else "")
        title = Text(no_wrap=True)
        if status is ItemStatus.TODO and self.state.open_dependencies(item_id):
            title.append("⧗ ", style="magenta")  # waiting for its dependencies
        if item_id in self.critical_path():
            title.append("◆ ")  # on the plan's critical path (a symbol, not a colour)
        title.append(plain(spec.title))  # literal: never markup
        hint = self.hint(item_id)
        if hint:
            title.append("  " + plain(hint), style="italic dim" if status is not ItemStatus.BLOCKED
                         else "magenta")
        title.truncate(title_w, overflow="ellipsis", pad=True)
        line.append_text(title)
        if show_owner:
            owner = plain(spec.owner)
            owner = owner if len(owner) <= 10 else owner[:9] + "…"
            line.append(f" {owner:<10}", style="cyan")
        line.append(f"{self.time_text(item_id):>{time_w}}")
        mark = ""
        mark_style = ""
        if item_id in self.late:
            mark, mark_style = "LATE", "bold red"
        elif spec.is_approval and any(not d.go for d in run.decisions):
            mark, mark_style = "NOGO", "bold red"
        elif spec.point_of_no_return:
            mark, mark_style = "PONR", "bold"
        line.append(f" {mark:<4}", style=mark_style)
        return line

    def hint(self, item_id: str) -> str:
        assert self.state is not None
        run = self.state.items[item_id]
        if run.status is ItemStatus.BLOCKED:
            return f"blocked: {run.reason}" if run.reason else "blocked"
        if run.status is ItemStatus.FAILED and run.reason:
            return f"failed: {run.reason}"
        if run.status is ItemStatus.SKIPPED and run.reason:
            return f"skipped: {run.reason}"
        if run.status is ItemStatus.TODO:
            waiting = self.state.open_dependencies(item_id)
            if waiting:
                more = f" +{len(waiting) - 2}" if len(waiting) > 2 else ""
                return "blocked by " + ", ".join(waiting[:2]) + more
        spec = self.state.specs[item_id]
        if spec.is_approval and run.status is ItemStatus.IN_PROGRESS:
            said = {d.approver for d in run.decisions if d.go}
            missing = [a for a in spec.approvers if a not in said]
            if missing:
                return "waiting for go: " + ", ".join(missing)
        return ""

    def time_text(self, item_id: str) -> str:
        assert self.state is not None
        run = self.state.items[item_id]
        spec = self.state.specs[item_id]
        if run.actual_duration is not None and run.status is ItemStatus.DONE:
            return dur(run.actual_duration)
        if run.status is ItemStatus.IN_PROGRESS and item_id in self.running_elapsed:
            return dur(self.running_elapsed[item_id]) + "…"
        if spec.estimate:
            return "~" + dur(spec.estimate)
        return ""

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()
