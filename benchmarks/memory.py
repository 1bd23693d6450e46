"""Figure 4: the console's resident size (VmRSS of its process) on a big and a small
database, on the same screen at 160 x 50 once the queue is drawn and the console is
quiet; and its growth over many PageDowns through the big queue.

The PageDowns are typed as fast as the console draws them (each waits only for its page),
as an agent holding the key would; the detail pane's loads they start are cancelled by
the next page, like then.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from benchmarks.databases import Demo
from benchmarks.keys import PAGE_DOWN, _last_cursor
from benchmarks.pty_run import Frame, Terminal, Timeout
from benchmarks.report import Figure, median
from benchmarks.screen import open_console, status_of

BUDGET_MIB = 10.0


def _position(term: Terminal) -> int:
    """The cursor's row in the queue as the status line shows it now."""
    for frame in reversed(term.frames):
        status = status_of(frame)
        if status is not None:
            return status.position
    return 0


def _past(position: int) -> Callable[[Frame], bool]:
    """A frame whose status line shows the cursor further down than ``position``."""

    def done(frame: Frame) -> bool:
        status = status_of(frame)
        return status is not None and status.position > position

    return done


def rss_after_start(demo: Demo, workdir: Path, runs: int) -> float:
    """Median MiB resident once the queue is drawn and the console went quiet."""
    sizes = []
    for _ in range(runs):
        term = open_console(demo.url, demo.agent, workdir)
        try:
            term.settle(1.0)
            sizes.append(term.rss_kib())
        finally:
            term.close()
    return median([float(v) for v in sizes]) / 1024


def growth_over_pages(demo: Demo, workdir: Path, pages: int) -> tuple[float, float, int]:
    """MiB resident before and after ``pages`` PageDowns, and the ticket reached."""
    term = open_console(demo.url, demo.agent, workdir)
    try:
        term.settle(1.0)
        before = term.rss_kib()
        position = _position(term)
        for _ in range(pages):
            first = len(term.frames)
            term.send(PAGE_DOWN)
            try:
                term.wait_frame(_past(position), since=first, timeout=2)
            except Timeout:
                # Typed faster than rows arrive: the cursor waits at the last row read
                # until the next window is in; let it come.
                term.settle(0.2)
            position = _position(term)
        term.settle(1.0)
        after = term.rss_kib()
        reached = _last_cursor(term) or 0
    finally:
        term.close()
    return before / 1024, after / 1024, reached


def measure(big: Demo, small: Demo, workdir: Path, runs: int, pages: int) -> list[Figure]:
    """Resident size at both sizes, their difference, and growth over PageDowns."""
    big_mib = rss_after_start(big, workdir, runs)
    small_mib = rss_after_start(small, workdir, runs)
    before, after, reached = growth_over_pages(big, workdir, pages)
    difference, growth = big_mib - small_mib, after - before
    return [
        Figure(
            "memory.rss_big",
            f"Memory: resident after first frame, {big.tickets:,} tickets",
            round(big_mib, 1),
            "MiB",
        ),
        Figure(
            "memory.rss_small",
            f"Memory: resident after first frame, {small.tickets:,} tickets",
            round(small_mib, 1),
            "MiB",
        ),
        Figure(
            "memory.size_difference",
            f"Memory: {big.tickets:,} minus {small.tickets:,} tickets",
            round(difference, 2),
            "MiB",
            budget=f"<= {BUDGET_MIB:g} MiB",
            holds=difference <= BUDGET_MIB,
        ),
        Figure(
            "memory.page_down_growth",
            f"Memory: growth over {pages} PageDowns",
            round(growth, 2),
            "MiB",
            budget=f"<= {BUDGET_MIB:g} MiB",
            holds=growth <= BUDGET_MIB,
            details={
                "before_mib": round(before, 1),
                "after_mib": round(after, 1),
                "last_ticket_on_cursor": reached,
            },
        ),
    ]
