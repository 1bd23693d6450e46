"""A program in a pseudo-terminal, seen as a terminal sees it: every byte it writes, with
the moment it arrived, split into frames.

Textual wraps each frame in the synchronized-output markers (``ESC[?2026h`` … ``ESC[?2026l``)
once the terminal says it supports them.  It asks with ``ESC[?2026$p``; the terminal
here answers yes, so a frame's end is exact: the arrival of its closing marker.  Bytes
written outside any frame (mode switches at start-up) are counted but belong to no frame.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"
SYNC_QUERY = b"\x1b[?2026$p"
#: "Mode 2026 is reset and can be set": the terminal supports synchronized output.
SYNC_ANSWER = b"\x1b[?2026;2$y"


class Timeout(Exception):
    """The program did not write what was waited for in time."""


@dataclass(frozen=True)
class Frame:
    """One frame: its bytes (without the markers) and when its last byte arrived."""

    data: bytes
    at: float

    @property
    def size(self) -> int:
        """Bytes written for the frame, markers included."""
        return len(self.data) + len(SYNC_START) + len(SYNC_END)


class Terminal:
    """A program running in a pseudo-terminal of ``cols`` x ``rows``."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cols: int,
        rows: int,
        env: dict[str, str],
        cwd: str | None = None,
    ) -> None:
        self.cols, self.rows = cols, rows
        self.master, slave = pty.openpty()
        self._set_size(slave, cols, rows)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        self.output = bytearray()
        #: Complete frames, in order.
        self.frames: list[Frame] = []
        self.last_byte_at = self.started
        self._scan = 0
        self._answered = False

    @staticmethod
    def _set_size(fd: int, cols: int, rows: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    @property
    def pid(self) -> int:
        """The program's process id."""
        return self.proc.pid

    # -- reading -------------------------------------------------------------------------

    def read_once(self, timeout: float) -> bool:
        """Read what is there (waiting up to ``timeout`` s); False when nothing came."""
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 1 << 20)
        except OSError:
            return False
        if not chunk:
            return False
        now = time.perf_counter()
        self.output.extend(chunk)
        self.last_byte_at = now
        self._parse(now)
        return True

    def _parse(self, now: float) -> None:
        if not self._answered and SYNC_QUERY in self.output:
            self._answered = True
            os.write(self.master, SYNC_ANSWER)
        while True:
            start = self.output.find(SYNC_START, self._scan)
            if start < 0:
                return
            end = self.output.find(SYNC_END, start + len(SYNC_START))
            if end < 0:
                return
            self.frames.append(Frame(bytes(self.output[start + len(SYNC_START) : end]), now))
            self._scan = end + len(SYNC_END)

    def wait_frame(
        self, done: Callable[[Frame], bool], *, since: int = 0, timeout: float = 30.0
    ) -> tuple[int, Frame]:
        """Read until a frame (at index ``since`` or later) satisfies ``done``; returns its
        index and the frame."""
        deadline = time.perf_counter() + timeout
        index = since
        while True:
            while index < len(self.frames):
                if done(self.frames[index]):
                    return index, self.frames[index]
                index += 1
            left = deadline - time.perf_counter()
            if left <= 0 or (self.proc.poll() is not None and not self.read_once(0)):
                tail = bytes(self.output[-600:])
                raise Timeout(f"no frame as expected within {timeout} s; last bytes: {tail!r}")
            self.read_once(min(left, 0.05))

    def wait_output(self, marker: bytes, *, timeout: float = 30.0) -> float:
        """Read until ``marker`` was written; returns when the chunk holding it arrived."""
        deadline = time.perf_counter() + timeout
        while marker not in self.output:
            left = deadline - time.perf_counter()
            if left <= 0 or self.proc.poll() is not None:
                raise Timeout(f"never saw {marker!r} within {timeout} s")
            self.read_once(min(left, 0.05))
        return self.last_byte_at

    def settle(self, quiet: float = 0.15, *, timeout: float = 10.0) -> None:
        """Read until nothing has been written for ``quiet`` seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self.read_once(quiet):
                return

    # -- writing -------------------------------------------------------------------------

    def send(self, data: bytes) -> float:
        """Type ``data``; returns the moment it was written."""
        now = time.perf_counter()
        os.write(self.master, data)
        return now

    def resize(self, cols: int, rows: int) -> None:
        """Change the terminal's size (the program gets SIGWINCH)."""
        self.cols, self.rows = cols, rows
        self._set_size(self.master, cols, rows)
        os.killpg(self.proc.pid, signal.SIGWINCH)

    # -- the process -----------------------------------------------------------------------

    def rss_kib(self) -> int:
        """The program's resident set size (VmRSS), in KiB."""
        with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError(f"no VmRSS for process {self.proc.pid}")

    def close(self) -> None:
        """Stop the program and release the terminal."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        os.close(self.master)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
