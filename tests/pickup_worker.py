"""A separate OS process that tries to pick up the same tickets as its rivals.

Usage: python -m tests.pickup_worker DB_URL USERNAME START_AT FIRST LAST
Prints one JSON object: number -> "won" or the sentence the agent got.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from console.data.db import make_engine
from console.data.directory import resolve_actor
from console.data.errors import ConsoleError
from console.data.tickets import TicketService


async def run(url: str, username: str, start_at: float, first: int, last: int) -> dict[str, str]:
    db = make_engine(url)
    actor = await resolve_actor(db, username, login="root")
    service = TicketService(db, actor)
    results: dict[str, str] = {}
    time.sleep(max(0.0, start_at - time.time()))  # noqa: ASYNC251 - a barrier before any I/O
    for number in range(first, last + 1):
        try:
            # As the console does: act on the version the agent is looking at.
            seen = await service.queries.ticket(number)
            await service.pick_up(number, expected_version=seen.version)
            results[str(number)] = "won"
        except ConsoleError as exc:
            results[str(number)] = str(exc)
    await db.dispose()
    return results


if __name__ == "__main__":
    url, username, start_at, first, last = sys.argv[1:6]
    print(json.dumps(asyncio.run(run(url, username, float(start_at), int(first), int(last)))))
