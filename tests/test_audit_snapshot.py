"""`audit verify` reads the head and the chain in one snapshot: run while two agents keep
writing history it never reports tampering that did not happen (tampering itself is still
named: tests/test_audit.py edits, inserts and deletes events on both backends)."""

from __future__ import annotations

import asyncio

import pytest

from console.data import audit
from console.data.audit import verify
from tests.conftest import Desk

RUNS = 20


async def test_verify_while_two_agents_write_gives_no_false_alarm(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches: each walk takes many reads, so writers land between them.
    monkeypatch.setattr(audit, "_BATCH", 3)
    numbers = [await desk.ticket("alice", subject=f"Printer {i}") for i in range(2)]
    written = {"alice": 0, "bob": 0}
    done = asyncio.Event()
    wrote = asyncio.Condition()

    async def agent(who: str, number: int) -> None:
        service = desk.service(who)
        while not done.is_set():
            await service.comment(number, f"{who} looked again")
            async with wrote:
                written[who] += 1
                wrote.notify_all()

    async def verifier() -> list[str]:
        alarms = []
        try:
            for run in range(RUNS):
                # Each walk starts once both agents have written more since the last.
                floor = min(written.values())
                async with wrote:
                    await wrote.wait_for(lambda: min(written.values()) > floor)  # noqa: B023
                report = await verify(desk.db)
                if not report.ok:
                    assert report.finding is not None
                    alarms.append(f"run {run}: {report.finding.sentence}")
        finally:
            done.set()
        return alarms

    results = await asyncio.gather(agent("alice", numbers[0]), agent("bob", numbers[1]), verifier())
    assert results[2] == []
    assert min(written.values()) >= RUNS
    final = await verify(desk.db)
    assert final.ok and final.events == 2 + sum(written.values())
