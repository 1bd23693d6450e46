"""Approvals are decided by someone other than whoever asked: a requester never decides
its own request, and an AMC exception is decided by a lead or an admin other than the
requester (in the services, the console's decide form and the command line)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import insert, update

from console.cli import main
from console.data.directory import resolve_actor
from console.data.errors import BadValue, Refused
from console.data.models import Agent, approval_approvers
from console.data.tickets import TicketService
from console.screens.main import MainScreen
from tests.conftest import Desk
from tests.test_console import console_as, goto, notices, settle, start


async def own_request(desk: Desk, who: str, number: int, *, amc: bool, others: list[str]) -> int:
    """A pending approval asked by ``who`` of ``others`` and of ``who`` too, as an older
    console let agents write; returns its id."""
    service = desk.service(who)
    await service.request_approval(number, others, "Let me through", amc_exception=amc)
    approval = (await service.queries.detail(number)).approvals[-1]
    async with desk.db.write() as session:
        await session.execute(
            insert(approval_approvers).values(approval_id=approval.id, agent_id=desk.actors[who].id)
        )
    return approval.id


async def key_on_ticket(desk: Desk, who: str, number: int, key: str) -> tuple[list[str], type]:
    """The console as ``who``: the cursor on #``number``, ``key`` pressed; the notices
    shown and the kind of screen on top afterwards."""
    app = console_as(desk, who)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await goto(pilot, number)
        await pilot.press(key)
        await settle(pilot)
        return notices(app), type(app.screen)


async def test_nobody_asks_themselves(desk: Desk) -> None:
    number = await desk.ticket("alice")
    with pytest.raises(BadValue) as err:
        await desk.service("lena").request_approval(number, ["lena", "root"], "Refund 20 EUR")
    assert str(err.value) == "You (lena) cannot approve your own request; name someone else."
    assert (await desk.service("lena").queries.detail(number)).approvals == ()


async def test_a_requester_never_decides_its_own_request(desk: Desk) -> None:
    number = await desk.ticket("alice")
    approval = await own_request(desk, "lena", number, amc=False, others=["bob"])
    with pytest.raises(Refused) as err:
        await desk.service("lena").decide_approval(approval, True)
    assert str(err.value) == (
        f"Approval {approval} on #{number} is your own request; another of its approvers "
        "decides it."
    )
    assert (await desk.service("lena").queries.detail(number)).approvals[-1].state == "pending"
    await desk.service("bob").decide_approval(approval, True)
    decided = (await desk.service("lena").queries.detail(number)).approvals[-1]
    assert (decided.state, decided.decider) == ("approved", "bob")


async def test_an_amc_exception_is_decided_by_another_lead_or_admin(desk: Desk) -> None:
    number = await desk.ticket("carl", account="Oldco", department="Network")
    approval = await own_request(desk, "nina", number, amc=True, others=["root"])
    with pytest.raises(Refused) as err:
        await desk.service("nina").decide_approval(approval, True)
    assert str(err.value) == (
        f"Approval {approval} on #{number} is your own request; another lead or admin decides it."
    )
    assert (await desk.service("nina").queries.ticket(number)).amc_state == "expired"

    # A lead asked, then no longer a lead when deciding: an agent does not decide one.
    await desk.service("carl").request_approval(number, ["nina"], "Serve Oldco", amc_exception=True)
    second = (await desk.service("carl").queries.detail(number)).approvals[-1].id
    async with desk.db.write() as session:
        await session.execute(update(Agent).where(Agent.username == "nina").values(role="agent"))
    nina = TicketService(desk.db, await resolve_actor(desk.db, "nina", login="root"))
    with pytest.raises(Refused) as err:
        await nina.decide_approval(second, True)
    assert str(err.value) == (
        f"Approval {second} on #{number} is an AMC exception, decided by a lead or an admin; "
        "you (nina) are an agent."
    )
    await desk.service("root").decide_approval(approval, True)
    assert (await desk.service("nina").queries.ticket(number)).amc_state == "exception"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_decide_form_says_so_and_offers_nothing(desk: Desk) -> None:
    number = await desk.ticket("alice")
    approval = await own_request(desk, "lena", number, amc=False, others=["bob"])
    told, screen = await key_on_ticket(desk, "lena", number, "D")  # decide
    assert screen is MainScreen  # no form opened
    assert told[-1] == (
        f"Approval {approval} on #{number} is your own request; another of its approvers "
        "decides it."
    )
    assert (await desk.service("bob").queries.detail(number)).approvals[-1].state == "pending"


async def test_the_command_line_says_so(
    desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AGENT_CONSOLE_DB", raising=False)
    number = await desk.ticket("alice")
    approval = await own_request(desk, "lena", number, amc=False, others=["bob"])
    argv = ["ticket", "approval", "approve", str(approval), "--as", "lena", "--db", db_url]
    capsys.readouterr()
    code = await asyncio.to_thread(main, argv)
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        f"Approval {approval} on #{number} is your own request; another of its approvers "
        "decides it."
    )
