"""Figures 2 and 3: keystroke to repaint, and bytes written to the terminal, in the real
console in a pseudo-terminal.

Each key is timed from the moment its bytes are written to the end of the first frame
that shows its content (not merely the first frame after it: a reload that a worker
finishes later is waited for).  After every key the console is left to go quiet, so no
key is timed while the previous one is still being drawn.

At 160 columns the ticket's detail stands beside the queue and follows the cursor after
a deliberate 50 ms pause (holding ``j`` does not load every ticket passed).  So at 160 x 50:

* cursor down (``j``) and PageDown are timed to the frame that draws the cursor on its
  new row; the detail pane's refresh after them is reported separately;
* the bytes of a cursor move or a PageDown are those of the queue's frames (the rows and
  the status line), before the detail pane's refresh; everything the key caused, detail
  pane included, is reported beside them;
* stage switch (``]``) and view switch (``v``, then the view's digit, timed from the
  digit) are timed to the frame whose status line names the new stage or view: that
  frame also draws the rows the reload fetched.

"Open ticket" is timed where ``enter`` opens it: at 120 x 50 the ticket opens full
screen; it is timed to the frame that draws its fields, then ``esc`` goes back and ``j``
moves on, so each press opens another ticket.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.databases import Demo
from benchmarks.pty_run import Frame, Terminal, Timeout
from benchmarks.report import Figure, percentile
from benchmarks.screen import (
    LOADING_ROW,
    cursor_number,
    open_console,
    plain,
    shows_ticket,
    status_of,
)

FRAME_BUDGET_MS = 16.7
SWITCH_BUDGET_MS = 50.0
CURSOR_BYTES_BUDGET = 1024

DOWN = b"j"
PAGE_DOWN = b"\x1b[6~"
NEXT_STAGE = b"]"
ENTER = b"\r"
ESCAPE = b"\x1b"
VIEW_PICKER = b"v"
#: The views in the picker's order (its digits) as the status line names them.
VIEW_NAMES = (
    "My Tickets",
    "Unassigned",
    "All Tickets",
    "My Closed",
    "Assigned to Me",
    "Created by Me",
    "My Team",
)
STAGE_ORDER = ("New", "Scheduled", "InProgress", "Closed", "ReOpen", "All")


@dataclass
class Press:
    """One key: how long to its content, and the bytes it caused."""

    latency: float
    #: Bytes of the frames the key drew before any detail-pane refresh.
    own_bytes: int
    #: Every byte written from the key until the console went quiet.
    total_bytes: int
    #: Seconds to the detail pane's refresh, where one followed.
    detail: float | None = None
    #: Seconds to the status line's update, where one followed.
    status: float | None = None


def press(
    term: Terminal,
    key: bytes,
    done: Callable[[Frame], bool],
    *,
    detail_follows: bool = False,
    quiet: float = 0.12,
) -> Press:
    """Type ``key``, wait for the frame that ``done`` accepts, then (at 160 columns) for
    the detail pane's refresh, then for quiet."""
    first, start_bytes = len(term.frames), len(term.output)
    sent = term.send(key)
    index, frame = term.wait_frame(done, since=first, timeout=60)
    own_end = index + 1
    detail = status = None
    number = cursor_number(frame)
    if detail_follows and number is not None:
        try:
            at, found = term.wait_frame(
                lambda f: shows_ticket(f, number), since=index + 1, timeout=5
            )
            detail, own_end = found.at - sent, at
        except Timeout:
            pass  # the pane showed this ticket already (or none)
    for f in term.frames[first:]:
        if status_of(f) is not None:
            status = f.at - sent
            break
    term.settle(quiet)
    own = sum(f.size for f in term.frames[first:own_end])
    return Press(frame.at - sent, own, len(term.output) - start_bytes, detail, status)


def _last_cursor(term: Terminal) -> int | None:
    for frame in reversed(term.frames):
        number = cursor_number(frame)
        if number is not None:
            return number
    return None


def _moved(before: int | None) -> Callable[[Frame], bool]:
    """A frame that draws the cursor on another ticket, with no row still loading."""

    def done(frame: Frame) -> bool:
        number = cursor_number(frame)
        return number is not None and number != before and LOADING_ROW not in frame.data

    return done


def _opened(number: int) -> Callable[[Frame], bool]:
    """A frame that draws the ticket's fields."""
    return lambda frame: shows_ticket(frame, number)


def _status_is(*, stage: str | None = None, view: str | None = None) -> Callable[[Frame], bool]:
    def done(frame: Frame) -> bool:
        status = status_of(frame)
        if status is None:
            return False
        return (stage is None or status.stage == stage) and (view is None or status.view == view)

    return done


def _latency_figure(
    key: str, title: str, presses: Sequence[Press], budget_ms: float | None, **details: object
) -> Figure:
    values = [p.latency * 1000 for p in presses]
    p50, p95 = percentile(values, 50), percentile(values, 95)
    return Figure(
        key,
        title,
        round(p95, 2),
        "ms",
        budget="" if budget_ms is None else f"p95 <= {budget_ms:g} ms",
        holds=None if budget_ms is None else p95 <= budget_ms,
        details={
            "p50_ms": round(p50, 2),
            "p95_ms": round(p95, 2),
            "max_ms": round(max(values), 2),
            "presses": len(values),
            "shown": f"p95; p50 {p50:.1f} ms",
            "latencies_ms": [round(v, 2) for v in values],
            "own_bytes": [p.own_bytes for p in presses],
            **details,
        },
    )


def _by_target(presses: Sequence[Press], targets: Sequence[str]) -> dict[str, float]:
    """Median milliseconds to each stage or view switched to."""
    seen: dict[str, list[float]] = {}
    for p, target in zip(presses, targets, strict=True):
        seen.setdefault(target, []).append(p.latency * 1000)
    return {target: round(percentile(v, 50), 1) for target, v in seen.items()}


def _p(values: Sequence[float | None], q: float) -> float | None:
    known = [v * 1000 for v in values if v is not None]
    return round(percentile(known, q), 2) if known else None


def full_repaint_bytes(term: Terminal) -> int:
    """The bytes of repainting the whole screen: the largest frame written after a
    resize back to the terminal's size (a resize redraws every cell)."""
    cols, rows = term.cols, term.rows
    term.resize(cols - 1, rows)
    term.settle(1.0)
    first = len(term.frames)
    term.resize(cols, rows)
    term.settle(1.0)
    return max(f.size for f in term.frames[first:])


def mouse_motion(term: Terminal, moves: int) -> tuple[int, int, bool]:
    """Move the mouse over the queue (SGR motion reports, no button); returns the bytes
    and frames written and whether any frame redrew queue rows."""
    first, mark = len(term.frames), len(term.output)
    for i in range(moves):
        x, y = 5 + (i * 7) % 80, 5 + (i * 3) % 40  # 1-based cells inside the queue
        term.send(f"\x1b[<35;{x};{y}M".encode())
        term.read_once(0.01)
    term.settle(0.3)
    frames = term.frames[first:]
    redrawn = any(cursor_number(f) is not None or b"Subject" in plain(f.data) for f in frames)
    return len(term.output) - mark, len(frames), redrawn


def wide_session(demo: Demo, workdir: Path, presses: int) -> list[Figure]:
    """Cursor, PageDown, view and stage switches, bytes and the mouse at 160 x 50."""
    term = open_console(demo.url, demo.agent, workdir, cols=160, rows=50)
    try:
        full = full_repaint_bytes(term)
        cursor = [
            press(term, DOWN, _moved(_last_cursor(term)), detail_follows=True)
            for _ in range(presses)
        ]
        pages = [
            press(term, PAGE_DOWN, _moved(_last_cursor(term)), detail_follows=True)
            for _ in range(presses)
        ]
        mouse_bytes, mouse_frames, redrawn = mouse_motion(term, 60)
        views: list[Press] = []
        view_targets: list[str] = []
        current = VIEW_NAMES.index("All Tickets")
        for _ in range(presses):
            target = (current + 1) % len(VIEW_NAMES)  # every view in turn
            press(term, VIEW_PICKER, lambda f: b"Queue views" in plain(f.data), quiet=0.1)
            views.append(
                press(
                    term,
                    str(target + 1).encode(),
                    _status_is(view=VIEW_NAMES[target]),
                    detail_follows=True,
                    quiet=0.2,
                )
            )
            view_targets.append(VIEW_NAMES[target])
            current = target
        if VIEW_NAMES[current] != "All Tickets":  # the stages are switched in All Tickets
            press(term, VIEW_PICKER, lambda f: b"Queue views" in plain(f.data), quiet=0.1)
            press(term, b"3", _status_is(view="All Tickets"), quiet=0.5)
        stages: list[Press] = []
        stage_targets: list[str] = []
        stage = status_stage(term)
        for _ in range(presses):
            stage = STAGE_ORDER[(STAGE_ORDER.index(stage) + 1) % len(STAGE_ORDER)]
            stages.append(press(term, NEXT_STAGE, _status_is(stage=stage), detail_follows=True))
            stage_targets.append(stage)
    finally:
        term.close()
    page_own = [p.own_bytes for p in pages]
    return [
        _latency_figure(
            "keys.cursor_down",
            "Key: cursor down (j) to cursor redrawn, 160x50",
            cursor,
            FRAME_BUDGET_MS,
            status_line_p50_ms=_p([p.status for p in cursor], 50),
            status_line_p95_ms=_p([p.status for p in cursor], 95),
        ),
        _latency_figure(
            "keys.page_down",
            "Key: PageDown to page redrawn, 160x50",
            pages,
            FRAME_BUDGET_MS,
            status_line_p50_ms=_p([p.status for p in pages], 50),
            status_line_p95_ms=_p([p.status for p in pages], 95),
        ),
        _latency_figure(
            "keys.stage_switch",
            "Key: stage switch (]) to new stage's rows, 160x50",
            stages,
            SWITCH_BUDGET_MS,
            median_ms_by_stage=_by_target(stages, stage_targets),
        ),
        _latency_figure(
            "keys.view_switch",
            "Key: view switch (v, digit) to new view's rows, 160x50",
            views,
            SWITCH_BUDGET_MS,
            median_ms_by_view=_by_target(views, view_targets),
        ),
        Figure(
            "keys.status_line",
            "Key: cursor down to status line (row n of N) updated",
            _p([p.status for p in cursor], 95),
            "ms",
            details={
                "p50_ms": _p([p.status for p in cursor], 50),
                "shown": f"p95; p50 {_p([p.status for p in cursor], 50)} ms",
            },
        ),
        Figure(
            "keys.detail_pane",
            "Key: cursor down to detail pane refreshed (incl. 50 ms pause)",
            _p([p.detail for p in cursor], 95),
            "ms",
            details={
                "p50_ms": _p([p.detail for p in cursor], 50),
                "shown": f"p95; p50 {_p([p.detail for p in cursor], 50)} ms",
            },
        ),
        Figure(
            "bytes.full_repaint",
            "Bytes: full repaint of the screen, 160x50",
            full,
            "B",
        ),
        _cursor_bytes(cursor),
        Figure(
            "bytes.cursor_down_total",
            "Bytes: per cursor move incl. detail pane refresh",
            percentile([p.total_bytes for p in cursor], 50),
            "B",
            details={"max_b": max(p.total_bytes for p in cursor), "shown": "median"},
        ),
        Figure(
            "bytes.page_down",
            "Bytes: per PageDown (queue + status line), 160x50",
            max(page_own),
            "B",
            budget=f"<= full repaint ({full:,} B)",
            holds=max(page_own) <= full,
            details={"median_b": percentile(page_own, 50), "shown": "max"},
        ),
        Figure(
            "bytes.page_down_total",
            "Bytes: per PageDown incl. detail pane refresh",
            percentile([p.total_bytes for p in pages], 50),
            "B",
            details={"max_b": max(p.total_bytes for p in pages), "shown": "median"},
        ),
        Figure(
            "bytes.mouse_motion",
            "Bytes: 60 mouse moves over the queue",
            mouse_bytes,
            "B",
            budget="queue not redrawn",
            holds=not redrawn,
            details={"frames": mouse_frames, "queue_redrawn": redrawn},
        ),
    ]


def _cursor_bytes(cursor: Sequence[Press]) -> Figure:
    """Bytes per cursor move: every move counts (the budget is on the largest); moves
    within the page and moves that scroll the queue by a line are told apart."""
    own = [p.own_bytes for p in cursor]
    # A move that scrolls redraws every row of the queue; one within the page, two rows.
    scrolled = [b for b in own if b > 4 * CURSOR_BYTES_BUDGET]
    within = [b for b in own if b <= 4 * CURSOR_BYTES_BUDGET]
    return Figure(
        "bytes.cursor_down",
        "Bytes: per cursor move (queue + status line), 160x50",
        max(own),
        "B",
        budget=f"<= {CURSOR_BYTES_BUDGET} B",
        holds=max(own) <= CURSOR_BYTES_BUDGET,
        details={
            "shown": f"max; within the page median {percentile(within, 50):,.0f} B, "
            f"{len(scrolled)} of {len(own)} moves redrew the queue",
            "median_b": percentile(own, 50),
            "within_page_median_b": percentile(within, 50),
            "within_page_max_b": max(within, default=0),
            "redrew_queue": len(scrolled),
            "redrew_queue_median_b": percentile(scrolled, 50) if scrolled else None,
        },
    )


def status_stage(term: Terminal) -> str:
    """The stage the status line shows now."""
    for frame in reversed(term.frames):
        status = status_of(frame)
        if status is not None:
            return status.stage
    return "All"


def open_ticket_session(demo: Demo, workdir: Path, presses: int) -> list[Figure]:
    """``enter`` opens the ticket full screen at 120 x 50; ``esc`` goes back."""
    term = open_console(demo.url, demo.agent, workdir, cols=120, rows=50)
    opens: list[Press] = []
    backs: list[Press] = []
    try:
        for _ in range(presses):
            number = _last_cursor(term)
            assert number is not None, "no cursor row drawn"
            opens.append(press(term, ENTER, _opened(number), quiet=0.15))
            backs.append(press(term, ESCAPE, lambda f: status_of(f) is not None, quiet=0.1))
            press(term, DOWN, _moved(number), quiet=0.05)
    finally:
        term.close()
    return [
        _latency_figure(
            "keys.open_ticket",
            "Key: open ticket (enter) to its fields, 120x50",
            opens,
            SWITCH_BUDGET_MS,
        ),
        _latency_figure(
            "keys.back_to_queue",
            "Key: back to queue (esc), 120x50",
            backs,
            None,
        ),
    ]
