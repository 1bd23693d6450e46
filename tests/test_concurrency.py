"""Many agents picking up the same tickets at once: one owner each, one history event,
and every loser gets a clear sentence (never "database is locked")."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import select

from console.data.db import make_engine
from console.data.directory import Directory, resolve_actor
from console.data.errors import ConsoleError
from console.data.models import Agent, Event, Ticket
from console.data.schema import ensure_schema
from console.data.tickets import TicketService
from tests.conftest import PG_SKIP, PG_URL, FixedClock, drop_pg_database, new_pg_database

TICKETS = 200
LOSER = re.compile(
    r"^(#\d+ was changed by \w+ at .+ \(pickup\) while you were looking at it; nothing of "
    r"yours was applied\.|Pick up needs an unassigned ticket; #\d+ is owned by \w+\.)$"
)


async def _prepare(url: str, agents: list[str]) -> list[int]:
    db = make_engine(url)
    await ensure_schema(db)
    admin = await resolve_actor(db, login="root")
    directory = Directory(db, admin)
    await directory.add_department("Billing")
    for name in agents:
        await directory.add_agent(name, team="Billing", departments=["Billing"])
    service = TicketService(db, admin, clock=FixedClock())
    numbers = []
    for i in range(TICKETS):
        record = await service.create(
            subject=f"Ticket {i}", contact_name="Pat", department="Billing"
        )
        numbers.append(record.number)
    await db.dispose()
    return numbers


async def _outcome(url: str) -> tuple[dict[int, str | None], Counter[int]]:
    db = make_engine(url)
    async with db.read() as session:
        owners = dict(
            (
                await session.execute(
                    select(Ticket.number, Agent.username).outerjoin(
                        Agent, Agent.id == Ticket.owner_id
                    )
                )
            ).all()
        )
        pickups = Counter(
            (
                await session.execute(select(Event.ticket_number).where(Event.action == "pickup"))
            ).scalars()
        )
    await db.dispose()
    return owners, pickups


def _check(
    results: dict[str, dict[int, str]],
    owners: dict[int, str | None],
    pickups: Counter[int],
    numbers: list[int],
) -> None:
    for number in numbers:
        winners = [who for who, got in results.items() if got[number] == "won"]
        assert len(winners) == 1, (number, winners)
        assert owners[number] == winners[0]
        assert pickups[number] == 1
        for who, got in results.items():
            if who not in winners:
                assert LOSER.match(got[number]), got[number]
    assert not any("locked" in s for got in results.values() for s in got.values())


def test_two_processes_on_one_sqlite_file(tmp_path: pytest.TempPathFactory) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/shared.db"  # type: ignore[operator]
    numbers = asyncio.run(_prepare(url, ["alice", "bob"]))
    start_at = time.time() + 2.0
    workers = {
        who: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.pickup_worker",
                url,
                who,
                str(start_at),
                str(numbers[0]),
                str(numbers[-1]),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("alice", "bob")
    }
    results: dict[str, dict[int, str]] = {}
    for who, proc in workers.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results[who] = {int(k): v for k, v in json.loads(out).items()}
    owners, pickups = asyncio.run(_outcome(url))
    _check(results, owners, pickups, numbers)


@pytest.mark.pg
def test_eight_sessions_on_postgresql() -> None:
    if not PG_URL:
        pytest.skip(PG_SKIP)
    url = new_pg_database()
    agents = [f"agent{i}" for i in range(8)]
    try:
        numbers = asyncio.run(_prepare(url, agents))

        async def one(username: str) -> dict[int, str]:
            db = make_engine(url, pool_size=1)
            service = TicketService(db, await resolve_actor(db, username, login="root"))
            got: dict[int, str] = {}
            for number in numbers:
                try:
                    seen = await service.queries.ticket(number)
                    await service.pick_up(number, expected_version=seen.version)
                    got[number] = "won"
                except ConsoleError as exc:
                    got[number] = str(exc)
            await db.dispose()
            return got

        async def everyone() -> dict[str, dict[int, str]]:
            done = await asyncio.gather(*(one(a) for a in agents))
            return dict(zip(agents, done, strict=True))

        results = asyncio.run(everyone())
        owners, pickups = asyncio.run(_outcome(url))
        _check(results, owners, pickups, numbers)
        # Every agent took part: the work really was contended, not done by one.
        assert sum(1 for got in results.values() for v in got.values() if v != "won") == (
            TICKETS * 7
        )
    finally:
        drop_pg_database(url)
