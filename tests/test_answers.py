"""The answer is what happened: every action answers with the ticket as it left it, read
inside its own transaction, also when the change took the ticket out of the agent's
queues (released, given to a teammate, moved to another department): that is success,
said as "saved, and #N is no longer in your queues", in the services, the console, the
command line and bulk."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from console.cli import main
from console.data.bulk import Bulk, BulkRequest
from console.data.errors import NotFound
from console.data.models import Agent, Ticket
from console.data.workflow import Action
from tests.conftest import Desk
from tests.test_approvals import key_on_ticket


async def network_ticket_of_alice(desk: Desk, subject: str = "Router down") -> int:
    """A Network ticket (not a department alice works, of no account she coordinates)
    that root gave to alice."""
    number = await desk.ticket("root", subject=subject, department="Network", account=None)
    await desk.service("root").assign(number, "alice")
    return number


async def stored(desk: Desk, number: int) -> tuple[str | None, str, int]:
    """Owner, department and version as the database holds them."""
    async with desk.db.read() as session:
        ticket = (await session.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        owner = await session.get(Agent, ticket.owner_id) if ticket.owner_id else None
        dept = (await desk.service("root").queries.ticket(number)).department
        return (owner.username if owner else None), str(dept), ticket.version


async def test_release_assign_and_department_move_answer_what_they_saved(desk: Desk) -> None:
    alice = desk.service("alice")
    released = await network_ticket_of_alice(desk)
    record = await alice.release(released)
    assert (record.owner, record.visible) == (None, False)
    assert (record.owner, "Network", record.version) == await stored(desk, released)

    given = await network_ticket_of_alice(desk, "Switch loops")
    record = await alice.assign(given, "bob")
    assert (record.owner, record.visible) == ("bob", False)
    assert (record.owner, "Network", record.version) == await stored(desk, given)

    moved = await desk.ticket("root", subject="Wrong queue", account=None)
    record = await desk.service("lena").edit(moved, {"department": "Network"})
    assert (record.department, record.visible) == ("Network", False)
    assert (None, "Network", record.version) == await stored(desk, moved)

    for who, number in (("alice", released), ("alice", given), ("lena", moved)):
        with pytest.raises(NotFound):  # gone from their queues indeed
            await desk.service(who).queries.ticket(number)
    kept = await alice.pick_up(await desk.ticket("alice"))
    assert kept.visible


async def test_bulk_counts_a_ticket_that_left_the_queues_as_done(desk: Desk) -> None:
    numbers = [await network_ticket_of_alice(desk, f"Outage {i}") for i in range(3)]
    report = await Bulk(desk.service("alice")).apply(BulkRequest(Action.RELEASE), numbers)
    assert report.summary() == "Release: 3 done."
    assert [o.message for o in report.outcomes] == [
        f"owner alice → —; saved, and #{n} is no longer in your queues" for n in numbers
    ]
    for outcome in report.outcomes:
        assert (None, "Network", outcome.version) == await stored(desk, outcome.number)
    # Gone from her queues, and hers to undo all the same: nobody touched them since.
    await desk.service("carl").pick_up(numbers[2])
    undone = await Bulk(desk.service("alice")).undo(report)
    assert [o.done for o in undone.outcomes] == [True, True, False]
    assert undone.outcomes[2].message == f"No ticket #{numbers[2]} (or not one you may see)."
    assert [(await stored(desk, n))[0] for n in numbers] == ["alice", "alice", "carl"]


async def test_the_command_line_exits_0_and_says_so(
    desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AGENT_CONSOLE_DB", raising=False)
    number = await network_ticket_of_alice(desk)
    capsys.readouterr()
    argv = ["ticket", "release", str(number), "--as", "alice", "--db", db_url]
    code = await asyncio.to_thread(main, argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.splitlines()[-1] == f"Saved, and #{number} is no longer in your queues."
    assert (await stored(desk, number))[0] is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_console_says_saved_and_gone(desk: Desk) -> None:
    number = await network_ticket_of_alice(desk)
    told, _screen = await key_on_ticket(desk, "alice", number, "u")  # release
    # Said once, and nothing else (no "No ticket" from the screens reloading).
    assert told == [f"Released #{number}: saved, and #{number} is no longer in your queues."]
    assert (await stored(desk, number))[0] is None
