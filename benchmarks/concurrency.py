"""Figure 7: eight agents working at once through ``TicketService``, each with its own
engine (as eight consoles would have), on PostgreSQL and on one SQLite file.

Each agent works tickets of its team's departments: it picks up the next New, unassigned
ticket of the team's list (the agents of a team walk the same list, so they race for the
same tickets, and the losers are refused), then schedules, starts and closes it.  After
the run the history is read back: every action an agent was told succeeded has exactly
its events, and nothing else was written (no lost and no double-applied action).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import func, select

from benchmarks.databases import Demo
from benchmarks.report import Figure, percentile
from console.data.db import Database, make_engine
from console.data.directory import actor_of
from console.data.errors import ConsoleError
from console.data.models import Agent, Event, Ticket, agent_departments
from console.data.tickets import TicketService

AGENTS = 8
#: History events each successful action writes.
EVENTS = {"pickup": 1, "schedule": 2, "start": 1, "close": 2}


@dataclass
class Tally:
    """What the agents did and were told."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    done: Counter[tuple[int, str, str]] = field(default_factory=Counter)
    refused: int = 0
    errors: list[str] = field(default_factory=list)


async def _agents(db: Database) -> list[Agent]:
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Agent).where(Agent.role == "agent", Agent.active).order_by(Agent.username)
            )
        ).scalars()
        return list(rows)[:AGENTS]


async def _team_tickets(db: Database, agent: Agent, limit: int) -> list[int]:
    """New, unassigned tickets of the agent's departments that the AMC gate lets through."""
    async with db.read() as session:
        departments = select(agent_departments.c.department_id).where(
            agent_departments.c.agent_id == agent.id
        )
        stmt = (
            select(Ticket.number)
            .where(
                Ticket.status == "New",
                Ticket.owner_id.is_(None),
                Ticket.amc_state != "expired",
                Ticket.department_id.in_(departments),
            )
            .order_by(Ticket.number)
            .limit(limit)
        )
        return list((await session.execute(stmt)).scalars())


async def _work(url: str, agent: Agent, tickets: list[int], cycles: int, tally: Tally) -> None:
    db = make_engine(url)
    service = TicketService(db, actor_of(agent))
    try:
        queue = iter(tickets)
        for _ in range(cycles):
            number = await _pick_up_next(service, queue, tally)
            if number is None:
                return
            await _work_ticket(service, number, tally)
    finally:
        await db.dispose()


async def _pick_up_next(service: TicketService, queue: Iterator[int], tally: Tally) -> int | None:
    """Pick up the next ticket of the list that no one else took first."""
    for number in queue:
        if await _act(
            "pickup", number, service.actor.username, partial(service.pick_up, number), tally
        ):
            return number
    return None


async def _work_ticket(service: TicketService, number: int, tally: Tally) -> None:
    """Schedule, start and close a ticket one has picked up."""
    who = service.actor.username
    soon = datetime.now(UTC) + timedelta(hours=1)
    if not await _act("schedule", number, who, partial(service.schedule, number, soon), tally):
        return
    if not await _act("start", number, who, partial(service.start, number), tally):
        return
    await _act("close", number, who, partial(service.close, number), tally)


async def _act(
    action: str, number: int, who: str, call: Callable[[], Awaitable[object]], tally: Tally
) -> bool:
    began = time.perf_counter()
    try:
        await call()
    except ConsoleError:
        tally.refused += 1
        tally.latencies[action].append(time.perf_counter() - began)
        return False
    except Exception as exc:  # an error is a finding, never a crash of the benchmark
        tally.errors.append(f"{who} {action} #{number}: {type(exc).__name__}: {exc}")
        return False
    tally.latencies[action].append(time.perf_counter() - began)
    tally.done[(number, action, who)] += 1
    return True


async def _history(db: Database, after_event: int) -> Counter[tuple[int, str, str]]:
    """Events written since ``after_event``, per ticket, action and agent."""
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Event.ticket_number, Event.action, Event.actor_name).where(
                    Event.id > after_event
                )
            )
        ).all()
    return Counter((int(n or 0), str(a), str(who)) for n, a, who in rows)


async def run(demo: Demo, backend: str, cycles: int) -> list[Figure]:
    """Eight agents, ``cycles`` pick-up/schedule/start/close cycles each."""
    db = make_engine(demo.url)
    try:
        agents = await _agents(db)
        lists = {a.id: await _team_tickets(db, a, cycles * AGENTS * 3) for a in agents}
        async with db.read() as session:
            start_event = int((await session.execute(select(func.max(Event.id)))).scalar() or 0)
        tally = Tally()
        began = time.perf_counter()
        await asyncio.gather(*(_work(demo.url, a, lists[a.id], cycles, tally) for a in agents))
        wall = time.perf_counter() - began
        written = await _history(db, start_event)
    finally:
        await db.dispose()
    expected: Counter[tuple[int, str, str]] = Counter()
    for (number, action, who), times in tally.done.items():
        expected[(number, action, who)] = times * EVENTS[action]
    lost = sum((expected - written).values())
    double = sum((written - expected).values())
    actions = sum(tally.done.values())
    every = [t for values in tally.latencies.values() for t in values]
    p95 = {a: round(percentile(v, 95) * 1000, 1) for a, v in tally.latencies.items()}
    name = "PostgreSQL" if backend == "pg" else "SQLite"
    correct = lost == 0 and double == 0 and not tally.errors
    return [
        Figure(
            f"concurrency.{backend}.throughput",
            f"8 agents on {name} ({demo.tickets:,} tickets): actions per second",
            round(actions / wall, 1),
            "actions/s",
            details={"actions": actions, "refused": tally.refused, "seconds": round(wall, 2)},
        ),
        Figure(
            f"concurrency.{backend}.p95",
            f"8 agents on {name}: p95 per action",
            round(percentile(every, 95) * 1000, 1),
            "ms",
            details={
                "p95_ms_by_action": p95,
                "shown": ", ".join(f"{a} {v}" for a, v in p95.items()),
            },
        ),
        Figure(
            f"concurrency.{backend}.correct",
            f"8 agents on {name}: lost + double-applied actions",
            lost + double,
            "actions",
            budget="0 lost, 0 double, 0 errors",
            holds=correct,
            details={"lost": lost, "double": double, "errors": tally.errors[:10]},
        ),
    ]


def skipped(backend: str, reason: str) -> list[Figure]:
    """The figures of a backend that could not be measured, with the reason."""
    name = "PostgreSQL" if backend == "pg" else "SQLite"
    return [
        Figure(
            f"concurrency.{backend}.{part}", f"8 agents on {name}: {part}", None, "", skipped=reason
        )
        for part in ("throughput", "p95", "correct")
    ]
