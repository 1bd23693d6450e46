"""Starting the console in a pseudo-terminal the way an agent does, and reading what it
drew: the stage bar, the queue's status line, the cursor row, an open ticket.

The console is launched as ``python -m console --db URL --as AGENT`` with the demo's
default agent (the lead ``agent-console demo`` opens as), its own config and data
folders under the work folder, and ``TZ=UTC``.  The terminal is ``TERM=xterm-256color``
without ``COLORTERM``, as agents have it over SSH (which does not pass ``COLORTERM`` on),
so colours are written as 256-colour codes.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.pty_run import SYNC_END, SYNC_START, Frame, Terminal, Timeout

_ESCAPE = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")

#: The stage bar with the current stage and a count that is not zero (before the first
#: reload the bar shows zeros).
STAGE_BAR = re.compile(rb"\xe2\x96\xb8\[All [1-9][\d,]*\]")
#: The queue's status line: " All Tickets · All · 3 of 628,279 · sorted by last updated".
STATUS = re.compile(
    rb" (?P<view>[A-Za-z ]+?) \xc2\xb7 (?P<stage>New|Scheduled|InProgress|Closed|ReOpen|All)"
    rb" \xc2\xb7 (?:(?P<position>[\d,]+) of (?P<total>[\d,]+)|empty) \xc2\xb7 sorted by"
)
#: The cursor row of the queue: "▶" then the tag mark (space or ✓) and the number.
CURSOR_ROW = re.compile(rb"\xe2\x96\xb6(?: |\xe2\x9c\x93)(\d+)")
#: A row still being read from the database.
LOADING_ROW = b"  \xe2\x80\xa6" + b" " * 30


def plain(data: bytes) -> bytes:
    """What a frame says, without escape sequences."""
    return _ESCAPE.sub(b"", data)


@dataclass(frozen=True)
class Status:
    """The queue's status line as drawn."""

    view: str
    stage: str
    position: int  # 1-based; 0 when the queue is empty
    total: int


def status_of(frame: Frame) -> Status | None:
    """The status line drawn in a frame, if it drew one."""
    match = STATUS.search(frame.data)
    if match is None:
        return None
    position = match["position"]
    return Status(
        view=match["view"].decode(),
        stage=match["stage"].decode(),
        position=int(position.replace(b",", b"")) if position else 0,
        total=int(match["total"].replace(b",", b"")) if match["total"] else 0,
    )


def cursor_number(frame: Frame) -> int | None:
    """The ticket number on the cursor row, if the frame drew that row."""
    match = CURSOR_ROW.search(plain(frame.data))
    return int(match[1]) if match else None


def shows_ticket(frame: Frame, number: int) -> bool:
    """Whether a frame drew a ticket's detail (its number and its fields)."""
    text = plain(frame.data)
    return f"#{number} ".encode() in text and b"Status " in text


def shows_queue(output: bytes) -> bool:
    """Whether the queue with its stage counts has been drawn: the stage bar with a count
    and the cursor row (both are set by the same reload, so they come in one frame)."""
    return STAGE_BAR.search(output) is not None and CURSOR_ROW.search(plain(output)) is not None


def environment(workdir: Path) -> dict[str, str]:
    """The environment of every program the benchmark starts in a terminal."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TEXTUAL", "NO_COLOR", "AGENT_CONSOLE", "COLUMNS", "LINES"))
    }
    env.update(
        TERM="xterm-256color",
        TZ="UTC",
        AGENT_CONSOLE_CONFIG=str(workdir / "config-none.toml"),
        XDG_CONFIG_HOME=str(workdir / "xdg-config"),
        XDG_DATA_HOME=str(workdir / "xdg-data"),
    )
    return env


def console_argv(url: str, agent: str) -> list[str]:
    """How an agent starts the console on a database."""
    return [sys.executable, "-m", "console", "--db", url, "--as", agent]


def open_console(
    url: str, agent: str, workdir: Path, *, cols: int = 160, rows: int = 50
) -> Terminal:
    """The console in a terminal, once it shows the queue with its counts and has gone
    quiet."""
    term = Terminal(
        console_argv(url, agent),
        cols=cols,
        rows=rows,
        env=environment(workdir),
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    try:
        wait_painted(term, shows_queue, timeout=120)
        term.settle(0.5)
    except BaseException:
        term.close()
        raise
    return term


def wait_painted(term: Terminal, ready: Callable[[bytes], bool], *, timeout: float = 60.0) -> float:
    """Read until ``ready(output)`` holds and the frame in progress (if any) is complete;
    returns when its last byte arrived."""
    deadline = time.perf_counter() + timeout
    while not ready(bytes(term.output)):
        left = deadline - time.perf_counter()
        if left <= 0 or term.proc.poll() is not None:
            tail = bytes(term.output[-400:])
            raise Timeout(f"not painted within {timeout} s; last bytes: {tail!r}")
        term.read_once(min(left, 0.05))
    while term.output.rfind(SYNC_START) > term.output.rfind(SYNC_END):
        if time.perf_counter() > deadline:
            raise Timeout("a frame never ended")
        term.read_once(0.05)
    return term.last_byte_at
