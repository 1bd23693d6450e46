"""Python's cyclic garbage collector, kept out of the agent's way.

A full collection walks every object the console holds, about 180,000 once it has started,
and on a 2-core machine that took 100-170 ms: ten frames, every few seconds while the agent
moved through the queue (the spikes of the busy benchmark's cursor figures).  So, in the
console's own process (``run_console``; never in a program that runs it in-process, such as
the tests):

* once the agent has paused after the start, what the console built to start (modules,
  classes, the screen it keeps) is collected once and frozen out of the collector's sight
  (``gc.freeze``): a full collection then walks only what came later (6-17 ms);
* on a Python whose old generation is collected in one pause (before 3.14; 3.14 collects it
  in increments) that collection no longer runs by itself: it runs when the agent has not
  typed for ``IDLE_SECONDS`` (at most every ``EVERY_SECONDS``), or once ``OVERDUE_SECONDS``
  have passed without one, typing or not.  The young generations, where most garbage dies,
  are collected as always.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable

#: Before 3.14 the old generation is collected in one pause; from 3.14 in increments.
OLD_IN_ONE_PAUSE = sys.version_info < (3, 14)
#: No key or mouse for this long: a moment the agent does not wait for a frame.
IDLE_SECONDS = 1.0
#: At most one full collection in this time while idle.
EVERY_SECONDS = 10.0
#: A full collection this overdue runs even while the agent types.
OVERDUE_SECONDS = 60.0
#: The old generation's threshold while the console collects it itself: never reached.
NEVER = 1_000_000


class Collector:
    """When the console's full collections run (``tick`` once a second, ``input`` on every
    key and mouse event)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last_input = clock()
        self.last_full = clock()
        self.frozen = False
        self._threshold: tuple[int, int, int] | None = None

    def input(self) -> None:
        """The agent pressed a key or used the mouse."""
        self.last_input = self.clock()

    def tick(self) -> bool:
        """Once a second: the start's freeze, or a full collection, if this is the moment.
        True when one ran."""
        now = self.clock()
        idle = now - self.last_input >= IDLE_SECONDS
        since = now - self.last_full
        if not self.frozen:
            if idle or since >= OVERDUE_SECONDS:
                self._freeze()
                self.last_full = self.clock()
                return True
            return False
        if OLD_IN_ONE_PAUSE and ((idle and since >= EVERY_SECONDS) or since >= OVERDUE_SECONDS):
            gc.collect()
            self.last_full = self.clock()
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
