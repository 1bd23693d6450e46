"""Snapshots of the inbox (``g i``) and of the message form (``M``) at 80x24 and 160x48, on
the demo data with a fixed clock: maya has a mention, an approval to decide, a ticket
given to her and a private message waiting, one of them read."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot

from console.app import AgentConsole
from console.config import Settings
from console.data.db import make_engine
from console.data.directory import resolve_actor
from console.data.inbox import Inbox
from console.data.queries import Queries, QueueQuery
from console.data.schema import ensure_schema
from console.data.tickets import TicketService
from console.demo import build_demo
from console.screens.form import FormScreen
from console.screens.inbox import InboxScreen
from tests.conftest import NOW, FixedClock
from tests.test_console import settle, until

SIZES = [(80, 24), (160, 48)]


@pytest.fixture(scope="module")
def inbox_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inbox-snapshots") / "demo.db"

    async def build() -> None:
        db = make_engine(path)
        await ensure_schema(db)
        await build_demo(db, tickets=60, seed=7, now=NOW)
        clock = FixedClock()
        omar = await resolve_actor(db, "omar", login="root", clock=clock)
        lucia = await resolve_actor(db, "lucia", login="root", clock=clock)
        numbers, _ = await Queries(db, omar).numbers(QueueQuery(view="all"))
        first, second = sorted(numbers)[:2]
        service = TicketService(db, omar, clock=clock)
        await service.comment(first, "@maya the customer asks for a callback before noon")
        clock.advance(minutes=7)
        await service.request_approval(second, ["maya"], "Refund 20 EUR of the last invoice")
        clock.advance(minutes=3)
        await Inbox(db, lucia, clock).send(
            ["maya"], "Handover for Friday", "I am off on Friday; Acme is yours.", ticket=first
        )
        maya = await resolve_actor(db, "maya", login="root", clock=clock)
        oldest = (await Inbox(db, maya, clock).entries())[-1]
        await Inbox(db, maya, clock).mark(oldest.id)
        await db.dispose()

    asyncio.run(build())
    return path


def console(path: Path) -> AgentConsole:
    return AgentConsole(Settings(), str(path), "maya", clock=FixedClock(), watch=False)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_inbox_screen(snap_compare: object, inbox_db: Path, size: tuple[int, int]) -> None:
    async def inbox(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await pilot.press("g", "i")
        await until(pilot, lambda: isinstance(pilot.app.screen, InboxScreen), "the inbox")
        await settle(pilot, 0.3)

    assert snap_compare(console(inbox_db), terminal_size=size, run_before=inbox)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_message_form(snap_compare: object, inbox_db: Path, size: tuple[int, int]) -> None:
    async def form(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await pilot.press("M")
        await until(pilot, lambda: isinstance(pilot.app.screen, FormScreen), "the form")
        await pilot.press("l", "u")  # the suggestion: lucia
        await settle(pilot, 0.3)

    assert snap_compare(console(inbox_db), terminal_size=size, run_before=form)  # type: ignore[operator]
