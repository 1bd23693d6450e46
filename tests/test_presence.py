"""Presence in the data layer (who else is on a ticket) and the stale-send block, on both
backends: what the others read, expiry, what presence never touches (history, versions,
the change counter), and a reply or close stopped by a message that came meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from console.data.errors import StaleSend
from console.data.live import ChangeWatcher, Heard
from console.data.models import Event, LiveSeq, Message, Presence, Ticket
from console.data.presence import (
    COMMENTING,
    EXPIRY_SECONDS,
    REPLYING,
    VIEWING,
    PresenceBoard,
    markers,
)
from tests.conftest import Desk


def board(desk: Desk, who: str) -> PresenceBoard:
    return PresenceBoard(desk.db, desk.actors[who], clock=desk.clock)


async def counts(desk: Desk, number: int) -> tuple[int, int, int]:
    """The ticket's history length, its version and the SQLite change counter."""
    async with desk.db.read() as session:
        events = (
            await session.execute(
                select(func.count()).select_from(Event).where(Event.ticket_number == number)
            )
        ).scalar_one()
        version = (
            await session.execute(select(Ticket.version).where(Ticket.number == number))
        ).scalar_one()
        seq = (await session.execute(select(LiveSeq.n))).scalar_one()
    return events, version, seq


async def test_others_see_who_is_on_a_ticket_and_what_they_do(desk: Desk) -> None:
    number = await desk.ticket("alice")
    alice, bob = board(desk, "alice"), board(desk, "bob")
    before = await counts(desk, number)

    await alice.say(number, VIEWING)
    seen = await bob.others()
    assert [(r.agent, r.number, r.doing) for r in seen] == [("alice", number, VIEWING)]
    assert await alice.others() == ()  # nobody sees themselves

    opened = seen[0].since
    desk.clock.advance(minutes=3)
    await alice.say(number, REPLYING)
    (now,) = await bob.others()
    assert now.doing == REPLYING and now.since == desk.clock.now
    assert now.sentence() == f"alice is replying, since {desk.clock.now.astimezone():%H:%M}"
    assert markers(await bob.others()) == {number: "✎ alice"}
    assert markers(await bob.others(), plain=True) == {number: "(alice replying)"}
    assert opened < now.since

    # A heartbeat keeps "since" and moves only the heartbeat.
    desk.clock.advance(seconds=10)
    await alice.beat()
    (beat,) = await bob.others()
    assert beat.since == now.since and beat.heartbeat_at == desk.clock.now
    assert beat == now  # nothing shown changed

    # Presence is no change to the ticket: no history, no new version, no reload.
    assert await counts(desk, number) == before

    await alice.leave()
    assert await bob.others() == ()
    async with desk.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Presence))).scalar() == 0


async def test_a_console_that_stops_beating_drops_out(desk: Desk) -> None:
    """A console killed with kill -9 leaves its row; readers ignore it once it is older
    than the expiry (well within 30 s)."""
    number = await desk.ticket("alice")
    alice, bob = board(desk, "alice"), board(desk, "bob")
    await alice.say(number, COMMENTING)
    assert len(await bob.others()) == 1
    desk.clock.advance(seconds=EXPIRY_SECONDS - 1)
    assert len(await bob.others()) == 1
    desk.clock.advance(seconds=2)
    assert EXPIRY_SECONDS + 1 < 30
    assert await bob.others() == ()
    # Its next heartbeat brings it back.
    await alice.beat()
    assert len(await bob.others()) == 1


async def test_a_deleted_ticket_takes_its_presence_with_it(desk: Desk) -> None:
    number = await desk.ticket("alice")
    await board(desk, "alice").say(number)
    await desk.service("root").delete(number, confirm=True)
    assert await board(desk, "bob").others() == ()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_sqlite_watcher_tells_a_heartbeat_from_a_change(desk: Desk) -> None:
    number = await desk.ticket("alice")
    alice, bob = board(desk, "alice"), board(desk, "bob")
    watcher = ChangeWatcher(desk.db, poll_seconds=0.01, board=bob)
    watcher_presence_pause = 0.0
    import console.data.live as live

    live.PRESENCE_PAUSE, saved = watcher_presence_pause, live.PRESENCE_PAUSE
    heard: list[Heard] = []
    stream = watcher.heard()
    try:
        first = stream.__anext__()
        await alice.say(number, VIEWING)  # before the first poll: it may start after
        import asyncio

        task = asyncio.ensure_future(first)
        await asyncio.sleep(0.05)
        await alice.say(number, REPLYING)
        heard.append(await task)
        while not (heard[-1].presence and heard[-1].presence[0].doing == REPLYING):
            heard.append(await stream.__anext__())
        assert not any(h.data for h in heard)  # presence is never a change to reload for
        await desk.service("alice").comment(number, "Checking the printer")
        change = await stream.__anext__()
        assert change.data
    finally:
        live.PRESENCE_PAUSE = saved
        await stream.aclose()


async def test_a_reply_is_stopped_by_a_customer_message_that_came_meanwhile(desk: Desk) -> None:
    number = await desk.ticket("alice")
    alice = desk.service("alice")
    seen = await alice.queries.newest_message(number)
    version = (await alice.queries.ticket(number)).version
    await alice.customer_message(number, "Never mind, it works now.")
    with pytest.raises(StaleSend) as stopped:
        await alice.reply(
            number, "Have you tried turning it off?", expected_version=version, seen_message_id=seen
        )
    (newer,) = stopped.value.newer
    assert newer.kind == "customer" and newer.body == "Never mind, it works now."
    assert newer.author == "Pat Customer"
    assert "the customer wrote" in str(stopped.value)
    async with desk.db.read() as session:
        replies = (
            await session.execute(
                select(func.count()).select_from(Message).where(Message.kind == "reply")
            )
        ).scalar_one()
    assert replies == 0
    # Seen now: it goes (with the version of now).
    version = (await alice.queries.ticket(number)).version
    sent = await alice.reply(
        number,
        "Glad to hear it.",
        expected_version=version,
        seen_message_id=stopped.value.latest_id,
    )
    assert sent.version == version + 1


async def test_a_close_is_stopped_by_another_agents_reply_but_not_by_my_own(desk: Desk) -> None:
    number = await desk.ticket("alice")
    alice, bob = desk.service("alice"), desk.service("lena")
    await alice.pick_up(number)
    seen = await alice.queries.newest_message(number)
    await alice.reply(number, "My own reply", seen_message_id=seen)  # mine: no block
    await bob.reply(number, "Lena's reply meanwhile")
    with pytest.raises(StaleSend, match="lena replied"):
        await alice.close(number, seen_message_id=seen)
    assert (await alice.queries.ticket(number)).status != "Closed"
    # Without a seen id (the CLI) nothing is checked.
    closed = await alice.close(number)
    assert closed.status == "Closed"


async def test_presence_rows_expire_by_their_heartbeat_in_the_database(desk: Desk) -> None:
    """What the console tests do to "kill" a console: age its heartbeat in place."""
    number = await desk.ticket("alice")
    alice = board(desk, "alice")
    await alice.say(number)
    async with desk.db.write() as session:
        await session.execute(
            update(Presence).values(heartbeat_at=desk.clock.now - timedelta(seconds=31))
        )
    assert await board(desk, "bob").others() == ()
