"""The console's full garbage collections wait for a moment the agent is not typing
(``console.collector``), and the console's own process is the only one they are changed in."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from console.collector import (
    EVERY_SECONDS,
    IDLE_SECONDS,
    NEVER,
    OLD_IN_ONE_PAUSE,
    OVERDUE_SECONDS,
    Collector,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def type_for_a_minute(clock: Clock, collector: Collector) -> None:
    """A key every second for OVERDUE_SECONDS, no tick running a collection but the last."""
    for _ in range(int(OVERDUE_SECONDS) - 1):
        clock.now += 1
        collector.input()
        assert not collector.tick()
    clock.now += 1
    collector.input()


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
        type_for_a_minute(clock, collector)
        assert collector.tick() and collector.frozen
    finally:
        collector.stop()


@pytest.mark.skipif(
    not OLD_IN_ONE_PAUSE, reason="Python 3.14 collects the old generation in increments"
)
def test_full_collections_wait_for_the_agent_to_pause(full_collections: list[int]) -> None:
    clock = Clock()
    collector = Collector(clock)
    try:
        clock.now += IDLE_SECONDS
        assert collector.tick()  # the freeze
        full_collections.clear()
        # The agent types for 50 s: however much is allocated, no full collection runs.
        for second in range(50):
            clock.now += 1
            collector.input()
            garbage = [[i] for i in range(20_000)]  # young objects, many collections
            del garbage
            assert not collector.tick(), second
        assert 2 not in full_collections
        assert 0 in full_collections  # the young generation is collected as always
        # A pause: one full collection, then none for EVERY_SECONDS however idle.
        clock.now += IDLE_SECONDS
        assert collector.tick()
        assert full_collections.count(2) == 1
        clock.now += EVERY_SECONDS - 1
        assert not collector.tick()
        clock.now += 1
        assert collector.tick()
        # Typing without a pause for OVERDUE_SECONDS: one runs anyway.
        type_for_a_minute(clock, collector)
        assert collector.tick()
    finally:
        collector.stop()


def test_the_console_run_by_a_program_leaves_its_collector_alone() -> None:
    from console.app import AgentConsole
    from console.config import Settings

    assert AgentConsole(Settings(), "sqlite+aiosqlite://").collector is None
