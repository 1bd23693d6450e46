"""Figure 1: process start to the first frame showing the queue with its stage counts,
against a blank Textual app and the stack floor, all started the same way in a
pseudo-terminal of 160 x 50 and timed to the end of the frame that shows their content.

The three programs take turns (blank, floor, console; again) after one untimed start of
each, so a slow moment of the machine falls on all of them alike; the medians are
compared.
"""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks import reference_app
from benchmarks.databases import Demo
from benchmarks.pty_run import Terminal
from benchmarks.report import Figure, median, ms
from benchmarks.screen import console_argv, environment, shows_queue, wait_painted

COLS, ROWS = 160, 50
BUDGET_RATIO = 1.25


def time_start(argv: list[str], ready_marker: str | None, workdir: Path) -> float:
    """Seconds from starting ``argv`` to the end of the frame that shows its content:
    ``ready_marker`` for the references, the queue with counts for the console."""
    term = Terminal(
        argv,
        cols=COLS,
        rows=ROWS,
        env=environment(workdir),
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    try:
        if ready_marker is None:
            at = wait_painted(term, shows_queue, timeout=120)
        else:
            marker = ready_marker.encode()
            at = wait_painted(term, lambda output: marker in output, timeout=60)
        return at - term.started
    finally:
        term.close()


def measure(demo: Demo, workdir: Path, runs: int) -> list[Figure]:
    """Start each program ``runs`` times (after a warm-up) and compare the medians."""
    script = str(Path(reference_app.__file__).resolve())
    programs: dict[str, tuple[list[str], str | None]] = {
        "blank": ([sys.executable, script, "blank"], reference_app.MARKER),
        "floor": ([sys.executable, script, "stack", demo.url], reference_app.MARKER),
        "console": (console_argv(demo.url, demo.agent), None),
    }
    times: dict[str, list[float]] = {name: [] for name in programs}
    for round_ in range(runs + 1):
        for name, (argv, marker) in programs.items():
            seconds = time_start(argv, marker, workdir)
            if round_:  # the first round only warms the disk cache and the byte code
                times[name].append(seconds)
    blank, floor, console = (median(times[n]) for n in ("blank", "floor", "console"))
    runs_ms = {name: [ms(t) for t in values] for name, values in times.items()}
    size = f"{demo.tickets:,} tickets"
    return [
        Figure(
            "startup.blank",
            "Startup: blank Textual app (reference)",
            ms(blank),
            "ms",
            details={"runs_ms": runs_ms["blank"]},
        ),
        Figure(
            "startup.floor",
            "Startup: stack floor (Textual + async SQLAlchemy + 1 query)",
            ms(floor),
            "ms",
            details={"runs_ms": runs_ms["floor"], "ratio_to_blank": round(floor / blank, 2)},
        ),
        Figure(
            "startup.console",
            f"Startup: console to queue with counts ({size})",
            ms(console),
            "ms",
            budget=f"<= {BUDGET_RATIO}x floor = {ms(floor * BUDGET_RATIO):.0f} ms",
            holds=console <= floor * BUDGET_RATIO,
            details={
                "runs_ms": runs_ms["console"],
                "ratio_to_floor": round(console / floor, 2),
                "ratio_to_blank": round(console / blank, 2),
                "shown": f"{console / floor:.2f}x floor, {console / blank:.2f}x blank",
            },
        ),
    ]
