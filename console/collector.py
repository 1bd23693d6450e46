"""Python's cyclic garbage collector, kept out of the agent's way.

A full collection walks every object the console holds, about 180,000 once it has started,
and on a 2-core machine that took 100-170 ms: ten frames, every few seconds while the agent
moved through the queue (the spikes of the busy benchmark's cursor figures).  So, in the
console's own process (``run_console``; never in a program that runs it in-process, such as
the tests):

* once the agent has paused after the start (``IDLE_SECONDS``, or ``START_OVERDUE_SECONDS``
  typed through), what the console built to start (modules, classes, the screen it keeps)
  is collected once and frozen out of the collector's sight (``gc.freeze``);
* on a Python whose old generation is collected in one pause (before 3.14; 3.14 collects it
  in increments) that collection no longer runs by itself, mid-frame, at a moment Python
  picks: the console runs it between keys, while what it walks is small.  What it walks is
  what survived the last one (25,000-35,000 objects) and the garbage since: Textual leaves
  about 1,400 cyclic objects a cursor move (strips that cache themselves, the styles of
  restyled keys).  Measured on the 1M demo at 160x50, a full collection took 3-8 ms after 5
  moves, 16-20 ms after 20, 85-94 ms after 40 and 230 ms after 80.  So it runs once
  ``SOON`` collections of the middle generation (what promotes objects to the old one;
  about two a move) have passed and the agent has not typed for ``PAUSE_SECONDS``, or once
  ``OVERDUE`` have, typing or not: a few milliseconds, never a stall.  The young
  generations, where most garbage dies, are collected as always.

Left for a minute of typing (as before), one full collection took 600-1,000 ms: the busy
benchmark's cursor max while the worker sent mail was 612-757 ms.  Collected this way its
max was 29-62 ms in four runs.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable

#: Before 3.14 the old generation is collected in one pause; from 3.14 in increments.
OLD_IN_ONE_PAUSE = sys.version_info < (3, 14)
#: How often the console asks ``tick`` whether this is the moment.
TICK_SECONDS = 0.1
#: No key or mouse for this long after the start: the moment to freeze what it built.
IDLE_SECONDS = 1.0
#: A start typed through is frozen after this long regardless.
START_OVERDUE_SECONDS = 60.0
#: No key or mouse for this long: a moment the agent does not wait for a frame.
PAUSE_SECONDS = 0.1
#: Middle-generation collections since the last full one that make a pause the moment to
#: collect the old generation (about two cursor moves' garbage).
SOON = 4
#: ... and that make it due while the agent types (8-10 moves: 10-20 ms).
OVERDUE = 16
#: The old generation's threshold while the console collects it itself: never reached.
NEVER = 1_000_000


def promoted() -> int:
    """Middle-generation collections since the last full collection (each moves what
    survived it into the old generation)."""
    return gc.get_count()[2]


class Collector:
    """When the console's full collections run (``tick`` every ``TICK_SECONDS``, ``input``
    on every key and mouse event)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        pending: Callable[[], int] = promoted,
    ) -> None:
        self.clock = clock
        self.pending = pending
        self.last_input = clock()
        self.started = clock()
        self.frozen = False
        self._threshold: tuple[int, int, int] | None = None

    def input(self) -> None:
        """The agent pressed a key or used the mouse."""
        self.last_input = self.clock()

    def tick(self) -> bool:
        """The start's freeze, or a full collection, if this is the moment.  True when one
        ran."""
        now = self.clock()
        paused = now - self.last_input
        if not self.frozen:
            if paused >= IDLE_SECONDS or now - self.started >= START_OVERDUE_SECONDS:
                self._freeze()
                return True
            return False
        if not OLD_IN_ONE_PAUSE:
            return False
        pending = self.pending()
        if pending >= OVERDUE or (pending >= SOON and paused >= PAUSE_SECONDS):
            gc.collect()
            return True
        return False

    def _freeze(self) -> None:
        gc.collect()  # the start's garbage is freed, not frozen
        gc.freeze()
        self.frozen = True
        if OLD_IN_ONE_PAUSE:
            self._threshold = gc.get_threshold()
            young, middle, _ = self._threshold
            gc.set_threshold(young, middle, NEVER)

    def stop(self) -> None:
        """The console ends: the collector as it was."""
        if self._threshold is not None:
            gc.set_threshold(*self._threshold)
            self._threshold = None
        if self.frozen:
            gc.unfreeze()
            self.frozen = False
