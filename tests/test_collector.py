"""The console's full garbage collections wait for a moment the agent is not typing
(``console.collector``), and the console's own process is the only one they are changed in."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from console.collector import (
    IDLE_SECONDS,
    NEVER,
    OLD_IN_ONE_PAUSE,
    OVERDUE,
    PAUSE_SECONDS,
    SOON,
    START_OVERDUE_SECONDS,
    Collector,
    promoted,
)

one_pause_only = pytest.mark.skipif(
    not OLD_IN_ONE_PAUSE, reason="Python 3.14 collects the old generation in increments"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Pending:
    """What ``promoted`` would say, set by the test."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> int:
        return self.count


@pytest.fixture
def full_collections() -> Iterator[list[int]]:
    """The generation of every collection Python runs meanwhile (by itself or asked)."""
    seen: list[int] = []

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop":
            seen.append(info["generation"])

    gc.callbacks.append(callback)
    try:
        yield seen
    finally:
        gc.callbacks.remove(callback)


def test_the_start_is_frozen_once_the_agent_pauses_and_given_back_at_the_end(
    full_collections: list[int],
) -> None:
    clock = Clock()
    collector = Collector(clock)
    before = gc.get_threshold()
    try:
        clock.now += 0.5
        collector.input()  # typing from the first moment
        clock.now += 0.5
        assert not collector.tick()
        assert gc.get_freeze_count() == 0 and not collector.frozen
        clock.now += IDLE_SECONDS
        assert collector.tick()  # the pause: the start is collected, then frozen
        assert 2 in full_collections
        assert gc.get_freeze_count() > 0 and collector.frozen
        if OLD_IN_ONE_PAUSE:
            assert gc.get_threshold() == (before[0], before[1], NEVER)
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_a_start_typed_through_is_frozen_when_overdue() -> None:
    clock = Clock()
    collector = Collector(clock)
    try:
        for _ in range(int(START_OVERDUE_SECONDS) - 1):
            clock.now += 1
            collector.input()
            assert not collector.tick() and not collector.frozen
        clock.now += 1
        collector.input()
        assert collector.tick() and collector.frozen
    finally:
        collector.stop()


@one_pause_only
def test_full_collections_run_in_a_pause_or_when_overdue(full_collections: list[int]) -> None:
    clock, pending = Clock(), Pending()
    collector = Collector(clock, pending)
    try:
        clock.now += IDLE_SECONDS
        assert collector.tick()  # the freeze
        full_collections.clear()
        # The agent types: however much is allocated, none runs before it is overdue.
        for count in range(OVERDUE):
            pending.count = count
            clock.now += 0.1
            collector.input()
            garbage = [[i] for i in range(20_000)]  # young objects, many collections
            del garbage
            assert not collector.tick(), count
        assert 2 not in full_collections
        assert 0 in full_collections  # the young generation is collected as always
        pending.count = OVERDUE
        assert collector.tick()  # overdue: it runs while the agent types
        assert full_collections.count(2) == 1
        # A pause with little pending: none.  With enough pending: one.
        pending.count = SOON - 1
        clock.now += PAUSE_SECONDS * 10
        assert not collector.tick()
        pending.count = SOON
        collector.input()
        clock.now += PAUSE_SECONDS / 2
        assert not collector.tick()  # not yet a pause
        clock.now += PAUSE_SECONDS
        assert collector.tick()
        assert full_collections.count(2) == 2
    finally:
        collector.stop()


@one_pause_only
def test_what_is_pending_is_what_reached_the_old_generation_since_the_last_full_one() -> None:
    clock = Clock()
    collector = Collector(clock)
    try:
        clock.now += IDLE_SECONDS
        assert collector.tick()  # the freeze, after a full collection
        assert promoted() == 0
        collector.input()  # the agent types
        kept = [[i] for i in range(200_000)]  # survivors, promoted through the generations
        assert promoted() >= OVERDUE
        assert collector.tick()  # overdue: collected even though the agent just typed
        assert promoted() == 0
        del kept
    finally:
        collector.stop()


def test_the_console_run_by_a_program_leaves_its_collector_alone() -> None:
    from console.app import AgentConsole
    from console.config import Settings

    assert AgentConsole(Settings(), "sqlite+aiosqlite://").collector is None
