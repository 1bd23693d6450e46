"""The ticket queue: a virtual table that renders only the visible rows.

``QueueWindow`` holds a contiguous stretch of the queue (a few pages) fetched by keyset;
``TicketQueue`` draws the visible lines with the Line API and asks its screen for more
rows (``NeedRows``) before the cursor reaches the edge of what is loaded.  A whole queue
is never loaded into a widget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from console.data.records import TicketRow
from console.keys import bindings
from console.safe import clean

PAGE_CACHE_ROWS = 600  # rows kept around the cursor; older ones are dropped
FETCH_ROWS = 120  # rows per keyset window


@dataclass
class QueueWindow:
    """A contiguous stretch of a queue: ``rows[i]`` is the queue's row ``start + i``."""

    total: int = 0
    rows: list[TicketRow] = field(default_factory=list)
    start: int = 0
    at_top: bool = True
    at_end: bool = True

    @property
    def stop(self) -> int:
        """One past the absolute index of the last loaded row."""
        return self.start + len(self.rows)

    def index_of(self, ticket_id: int) -> int | None:
        """The row index of a ticket among the loaded rows, if it is there."""
        for offset, row in enumerate(self.rows):
            if row.id == ticket_id:
                return self.start + offset
        return None

    def row(self, index: int) -> TicketRow | None:
        """The row at an absolute index, if loaded."""
        offset = index - self.start
        if 0 <= offset < len(self.rows):
            return self.rows[offset]
        return None

    def reset(
        self, rows: list[TicketRow], total: int, *, from_end: bool = False, limit: int = FETCH_ROWS
    ) -> None:
        """Start again from the top (or the end) of a queue of ``total`` rows."""
        self.rows = list(rows)
        full = len(rows) >= limit
        if from_end:
            self.at_end = True
            self.at_top = not full
            self.total = max(total, len(rows))
            self.start = 0 if self.at_top else self.total - len(rows)
        else:
            self.at_top = True
            self.at_end = not full
            self.start = 0
            self.total = len(rows) if self.at_end else max(total, len(rows))

    def append(self, rows: list[TicketRow], *, limit: int = FETCH_ROWS) -> None:
        """Rows that come after the last loaded one."""
        known = {r.id for r in self.rows[-limit:]}
        self.rows.extend(r for r in rows if r.id not in known)
        if len(rows) < limit:
            self.at_end = True
            self.total = self.stop
        else:
            self.total = max(self.total, self.stop)

    def prepend(self, rows: list[TicketRow], *, limit: int = FETCH_ROWS) -> int:
        """Rows that come before the first loaded one.  Returns how far absolute indices
        moved (non-zero only when the top turned out nearer than the counts said)."""
        known = {r.id for r in self.rows[:limit]}
        fresh = [r for r in rows if r.id not in known]
        self.rows[:0] = fresh
        self.start -= len(fresh)
        shift = 0
        if len(rows) < limit or self.start <= 0:
            self.at_top = True
            shift = -self.start
            self.start = 0
            self.total += shift
        return shift

    def trim(self, around: int, keep: int = PAGE_CACHE_ROWS) -> None:
        """Drop rows far from ``around`` so memory stays flat however far one scrolls."""
        if len(self.rows) <= keep:
            return
        first = max(self.start, around - keep // 2)
        last = min(self.stop, first + keep)
        first = max(self.start, last - keep)
        if first > self.start:
            self.at_top = False
        if last < self.stop:
            self.at_end = False
        self.rows = self.rows[first - self.start : last - self.start]
        self.start = first


def due_label(row: TicketRow, now: datetime) -> tuple[str, bool]:
    """Time to the SLA due time, and whether the ticket is escalated (open and overdue).

    Escalation is spelled out with a glyph and a word, never by colour alone.
    """
    if row.status == "Closed":
        return "—", False
    delta = row.due_at - now
    if delta < timedelta(0):
        return f"▲ESC {_span(-delta)}", True
    return f"in {_span(delta)}", False


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h"
    return f"{hours // 24}d"


def age_label(moment: datetime, now: datetime) -> str:
    """How long ago, briefly."""
    delta = now - moment
    if delta < timedelta(minutes=1):
        return "now"
    return _span(delta) + " ago"


@dataclass(frozen=True)
class Column:
    """One column of the queue: a title, a width (0 = share the rest) and its text."""

    title: str
    width: int
    text: Callable[[TicketRow, datetime], str]
    right: bool = False
    #: A column of width 0 shares the rest of the line with the others by this weight.
    grow: int = 1
    #: The title where the whole one does not fit.
    short: str = ""

    def heading(self, width: int) -> str:
        """The title shown in ``width`` cells."""
        return self.short if self.short and cell_len(self.title) > width else self.title


def _contact(row: TicketRow, _now: datetime) -> str:
    if row.contact and row.account:
        return f"{row.contact} / {row.account}"
    return row.contact or row.account or ""


COLUMNS_WIDE = (
    Column("#", 8, lambda r, _: str(r.number)),
    Column("Prio", 6, lambda r, _: r.priority),
    Column("Subject", 0, lambda r, _: r.subject),
    Column("Contact / Account", 28, _contact),
    Column("Owner", 10, lambda r, _: r.owner or "—"),
    Column("Status", 10, lambda r, _: r.status),
    Column("Due", 11, lambda r, now: due_label(r, now)[0]),
    Column("Updated", 9, lambda r, now: age_label(r.updated_at, now)),
)
COLUMNS_NARROW = (
    Column("#", 7, lambda r, _: str(r.number)),
    Column("Prio", 4, lambda r, _: {"Medium": "Med"}.get(r.priority, r.priority)),
    Column("Subject", 0, lambda r, _: r.subject),
    Column("Owner", 8, lambda r, _: r.owner or "—"),
    Column("Status", 10, lambda r, _: r.status),
    Column("Due", 10, lambda r, now: due_label(r, now)[0]),
)
_UPDATED_NARROW = Column("Updated", 8, lambda r, now: age_label(r.updated_at, now))
#: The narrow columns with the last update, and with the contact / account sharing the
#: subject's room (three parts to the subject, two to the contact).
COLUMNS_UPDATED = (*COLUMNS_NARROW, _UPDATED_NARROW)
COLUMNS_MIDDLE = (
    *COLUMNS_NARROW[:2],
    Column("Subject", 0, lambda r, _: r.subject, grow=3),
    Column("Contact / Account", 0, _contact, grow=2, short="Contact/Acct."),
    *COLUMNS_NARROW[3:],
    _UPDATED_NARROW,
)
#: The columns by the queue's width (not the terminal's: the detail pane and the view
#: list take their share): the first set whose subject keeps the cells given with it.
COLUMN_SETS = ((COLUMNS_WIDE, 32), (COLUMNS_MIDDLE, 20), (COLUMNS_UPDATED, 28))


def _widths(columns: tuple[Column, ...], width: int) -> list[tuple[Column, int]]:
    """Each column with its width in a line of ``width`` cells: the fixed ones as they
    are, the rest (at least 8) shared by weight."""
    fixed = sum(c.width + 1 for c in columns if c.width)
    growing = [c for c in columns if not c.width]
    rest = max(8 * len(growing), width - fixed - 2 - max(0, len(growing) - 1))
    weights = sum(c.grow for c in growing) or 1
    shares = {c.title: rest * c.grow // weights for c in growing}
    if growing:  # what rounding left goes to the first (the subject)
        shares[growing[0].title] += rest - sum(shares.values())
    return [(c, c.width or shares[c.title]) for c in columns]


def columns_for(width: int) -> tuple[Column, ...]:
    """The columns a queue ``width`` cells wide shows (see ``COLUMN_SETS``)."""
    for columns, subject in COLUMN_SETS:
        if next(w for c, w in _widths(columns, width) if c.title == "Subject") >= subject:
            return columns
    return COLUMNS_NARROW


def _fit(text: str, width: int) -> str:
    """Exactly ``width`` terminal cells (wide characters count twice)."""
    text = clean(text, single_line=True)
    if cell_len(text) > width:
        return set_cell_size(text, max(0, width - 1)) + "…"
    return set_cell_size(text, width)


class LineStyles(NamedTuple):
    """The styles of the queue's lines, as the theme and focus make them now."""

    base: Style
    header: Style
    loading: Style
    high: Style
    escalated: Style
    presence: Style
    cursor: Style


class TicketQueue(Widget, can_focus=True):
    """The queue of tickets for the current view and stage."""

    DEFAULT_CSS = """
    TicketQueue { height: 1fr; }
    """
    COMPONENT_CLASSES = {  # noqa: RUF012
        "ticket-queue--header",
        "ticket-queue--cursor",
        "ticket-queue--escalated",
        "ticket-queue--high",
        "ticket-queue--loading",
        "ticket-queue--presence",
    }
    BINDINGS = bindings("TicketQueue")

    cursor: reactive[int] = reactive(0, repaint=False)

    class Highlighted(Message):
        """The cursor is on a new row (or on none)."""

        def __init__(self, row: TicketRow | None) -> None:
            super().__init__()
            self.row = row

    class Opened(Message):
        """The person pressed enter on a row."""

        def __init__(self, row: TicketRow) -> None:
            super().__init__()
            self.row = row

    class NeedRows(Message):
        """Rows are needed: ``where`` is "after", "before", "top" or "end"."""

        def __init__(self, where: str) -> None:
            super().__init__()
            self.where = where

    def __init__(self, clock: Callable[[], datetime] | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.window = QueueWindow()
        self.top = 0
        self.clock = clock or (lambda: datetime.now(UTC))
        self._asked: set[str] = set()
        self.empty_text = "No tickets here."
        #: Tagged ticket numbers (tag, then act on them all); kept across reloads.
        self.tagged: set[int] = set()
        #: The column titles a saved view chose, in order (None: the usual columns).
        self.columns_shown: tuple[str, ...] | None = None
        #: Who else is on a ticket: its marker at the end of the subject, by number.
        self.presence: dict[int, str] = {}
        #: When the agent last moved the cursor (monotonic seconds).
        self.moved_at = -1e9
        self._columns_for: tuple[int, tuple[str, ...] | None] | None = None
        self._columns_cached: list[tuple[Column, int]] = []
        #: While a frame is drawn: its styles and its moment, worked out once for all
        #: its lines (``render_lines``).
        self._frame: tuple[LineStyles, datetime] | None = None
        #: Ticket lines as last drawn, by everything they show: a queue scrolled by a
        #: line draws one new line and reuses the others.
        self._lines: dict[tuple[object, ...], Strip] = {}

    # -- data in -------------------------------------------------------------------------

    def show_rows(
        self,
        rows: list[TicketRow],
        total: int,
        *,
        keep_position: bool = False,
        follow: bool = False,
        from_end: bool = False,
    ) -> None:
        """Replace what is shown.  ``keep_position`` keeps the cursor's row index (act and
        advance: the next ticket moves up under the cursor); with ``follow`` too (someone
        else changed tickets) the cursor stays on its ticket while that is still shown,
        on the same screen line when the queue was scrolled, so a row arriving above it
        neither moves the agent to another ticket nor eats the key they just pressed."""
        old_cursor, old_top = self.cursor, self.top
        old_row = self.current if follow else None
        self.window.reset(rows, total, from_end=from_end)
        self._asked.clear()
        if from_end:
            self.set_cursor(self.window.total - 1, by_agent=False)
        elif keep_position:
            # The rows were fetched from the old top: restore the same screen position.
            self.window.start = old_top
            self.window.at_top = old_top == 0
            self.window.total = (
                max(total, self.window.stop) if not self.window.at_end else (self.window.stop)
            )
            self.top = old_top
            index = min(old_cursor, max(0, self.window.stop - 1))
            found = self.window.index_of(old_row.id) if old_row is not None else None
            unchanged = False
            if found is not None:
                if old_top > 0 and found > old_cursor:
                    self.top = old_top + found - old_cursor
                index = found
                now = self.window.row(found)
                unchanged = now is not None and old_row is not None and now == old_row
            # The same ticket as it was: nothing to read again for the detail pane.
            self.set_cursor(index, force=True, announce=not unchanged, by_agent=False)
        else:
            self.top = 0
            self.set_cursor(0, force=True, by_agent=False)
        self.refresh()

    def add_rows(self, where: str, rows: list[TicketRow]) -> None:
        """Rows fetched after ``NeedRows``.  The screen is redrawn only when it was
        waiting for them (a prefetch ahead of the cursor changes nothing on screen)."""
        self._asked.discard(where)
        window = self.window
        shown = range(self.top, min(window.total, self.top + self.visible_rows))
        waiting = any(window.row(index) is None for index in shown)
        shift = 0
        if where == "after":
            window.append(rows)
        elif where == "before":
            shift = window.prepend(rows)
            if shift:
                self.top += shift
                self.cursor += shift
        window.trim(self.cursor)
        if waiting or shift or window.total < self.top + self.visible_rows:
            self.refresh()
        self._maybe_prefetch()

    def set_total(self, total: int) -> None:
        """The queue's length, once counted (rows were shown before the count came)."""
        window = self.window
        window.total = window.stop if window.at_end else max(total, window.stop)
        self.refresh()

    def toggle_tag(self) -> None:
        """Tag the ticket under the cursor (or untag it) and move down."""
        row = self.current
        if row is None:
            return
        self.tagged ^= {row.number}
        self._refresh_row(self.cursor - self.top + 1)
        self.action_cursor_down()

    def set_presence(self, marks: dict[int, str]) -> None:
        """Who else is on which ticket (``👁 lucia``, ``✎ lucia``); redrawn only when it
        changed."""
        if marks != self.presence:
            self.presence = dict(marks)
            self.refresh()

    def set_tags(self, numbers: set[int]) -> None:
        """Tag exactly ``numbers``."""
        self.tagged = set(numbers)
        self.refresh()

    @property
    def current(self) -> TicketRow | None:
        """The row under the cursor."""
        return self.window.row(self.cursor)

    # -- drawing -------------------------------------------------------------------------

    @property
    def visible_rows(self) -> int:
        """Rows that fit below the column titles."""
        return max(1, self.size.height - 1)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    def _columns(self) -> list[tuple[Column, int]]:
        # Asked for by every line drawn: worked out once per width and choice of columns.
        key = (self.size.width, self.columns_shown)
        if self._columns_for != key:
            self._columns_for, self._columns_cached = key, self._work_out_columns()
        return self._columns_cached

    def _work_out_columns(self) -> list[tuple[Column, int]]:
        columns = columns_for(self.size.width)
        if self.columns_shown:
            by_title = {c.title: c for c in columns}
            chosen = tuple(by_title[t] for t in self.columns_shown if t in by_title)
            if chosen:
                columns = chosen
                if all(c.width for c in columns):  # one column takes the rest of the line
                    last = columns[-1]
                    columns = (*columns[:-1], Column(last.title, 0, last.text, last.right))
        return _widths(columns, self.size.width)

    def _line_styles(self) -> LineStyles:
        component = self.get_component_rich_style
        return LineStyles(
            base=self.rich_style,
            header=component("ticket-queue--header"),
            loading=component("ticket-queue--loading"),
            high=component("ticket-queue--high"),
            escalated=component("ticket-queue--escalated"),
            presence=component("ticket-queue--presence"),
            cursor=component("ticket-queue--cursor") + Style(bold=True),
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame = (self._line_styles(), self.clock())
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        columns = self._columns()
        styles, now = self._frame or (self._line_styles(), self.clock())
        if y == 0:
            text = "  " + " ".join(_fit(c.heading(w), w) for c, w in columns)
            return Strip([Segment(text.ljust(width)[:width], styles.header)])
        index = self.top + y - 1
        if index >= self.window.total:
            if index == 0 and not self.window.rows:
                empty = ("  " + self.empty_text).ljust(width)[:width]
                return Strip([Segment(empty, styles.base)])
            return Strip.blank(width, styles.base)
        row = self.window.row(index)
        if row is None:
            return Strip([Segment("  …".ljust(width)[:width], styles.loading)])
        is_cursor = index == self.cursor and self.has_focus
        tag = "✓" if row.number in self.tagged else " "
        marker = ("▶" if index == self.cursor else " ") + tag
        due, escalated = due_label(row, now)
        mark = self.presence.get(row.number)
        key: tuple[object, ...] = (row, marker, is_cursor, due, age_label(row.updated_at, now))
        key += (mark, width, self.columns_shown, styles)
        drawn = self._lines.get(key)
        if drawn is None:
            drawn = self._draw_row(row, marker, is_cursor, escalated, mark, columns, styles, now)
            if len(self._lines) > 4 * max(self.size.height, 1) + 16:
                self._lines.clear()  # what left the screen is not kept
            self._lines[key] = drawn
        return drawn

    def _draw_row(
        self,
        row: TicketRow,
        marker: str,
        is_cursor: bool,
        escalated: bool,
        mark: str | None,
        columns: list[tuple[Column, int]],
        styles: LineStyles,
        now: datetime,
    ) -> Strip:
        width = self.size.width
        base = styles.base
        if row.priority == "High":
            base = base + styles.high
        segments: list[Segment] = [Segment(marker, base)]
        for position, (column, w) in enumerate(columns):
            style = base
            if column.title == "Due" and escalated:
                style = style + styles.escalated
            if mark and column.title == "Subject" and w > 12:
                # The subject gives way to the marker, which keeps at least its glyph and
                # the start of the name.
                room = min(cell_len(mark), max(6, w // 2))
                segments.append(Segment(_fit(column.text(row, now), w - room - 1) + " ", style))
                segments.append(Segment(_fit(mark, room), style + styles.presence))
            else:
                segments.append(Segment(_fit(column.text(row, now), w), style))
            if position < len(columns) - 1:
                segments.append(Segment(" ", base))
        # One segment per run of one style, not one per column: each segment is written
        # to the terminal with its own colour codes (a line scrolled costs its bytes).
        room = width - sum(segment.cell_length for segment in segments)
        if room > 0:
            segments.append(Segment(" " * room, base))
        strip = Strip(list(Segment.simplify(segments))).crop(0, width)
        if is_cursor:
            strip = strip.apply_style(styles.cursor)
        return strip

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- moving --------------------------------------------------------------------------

    def set_cursor(
        self, index: int, *, force: bool = False, announce: bool = True, by_agent: bool = True
    ) -> None:
        """Move the cursor to an absolute row index (clamped to the loaded rows);
        ``announce``: tell the screen the row under it (False: it is the same as before);
        ``by_agent``: the agent moved it (not a reload), which ``moved_at`` remembers."""
        if by_agent:
            self.moved_at = time.monotonic()
        if not self.window.rows:
            self.cursor = 0
            self.post_message(self.Highlighted(None))
            return
        index = max(self.window.start, min(index, self.window.stop - 1))
        if index == self.cursor and not force:
            self._maybe_prefetch()
            return
        old, old_top = self.cursor, self.top
        self.cursor = index
        page = self.visible_rows
        if index < self.top:
            self.top = index
        elif index >= self.top + page:
            self.top = index - page + 1
        if self.top != old_top:
            self.refresh()
        else:
            self._refresh_row(old - self.top + 1)
            self._refresh_row(index - self.top + 1)
        if announce:
            self.post_message(self.Highlighted(self.current))
        self._maybe_prefetch()

    def _refresh_row(self, y: int) -> None:
        """Repaint one line only: a cursor move writes two lines, not a screen."""
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _maybe_prefetch(self) -> None:
        page = self.visible_rows
        w = self.window
        if not w.at_end and self.cursor + 2 * page >= w.stop and "after" not in self._asked:
            self._asked.add("after")
            self.post_message(self.NeedRows("after"))
        if not w.at_top and self.cursor - 2 * page <= w.start and "before" not in self._asked:
            self._asked.add("before")
            self.post_message(self.NeedRows("before"))

    def action_cursor_down(self) -> None:
        self.set_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.set_cursor(self.cursor - 1)

    def action_page_down(self) -> None:
        page = self.visible_rows
        target = self.cursor + page
        self.top = min(self.top + page, max(0, self.window.stop - page))
        self.refresh()
        self.set_cursor(target, force=True)

    def action_page_up(self) -> None:
        page = self.visible_rows
        target = self.cursor - page
        self.top = max(self.window.start, self.top - page)
        self.refresh()
        self.set_cursor(target, force=True)

    def action_first(self) -> None:
        if self.window.at_top:
            self.set_cursor(0)
        else:
            self.post_message(self.NeedRows("top"))

    def action_last(self) -> None:
        if self.window.at_end:
            self.set_cursor(self.window.total - 1)
        else:
            self.post_message(self.NeedRows("end"))

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Opened(self.current))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.set_cursor(self.cursor + 3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.set_cursor(self.cursor - 3)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.set_cursor(self.top + event.y - 1)
            if event.chain >= 2 and self.current is not None:
                self.post_message(self.Opened(self.current))
