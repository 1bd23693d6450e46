"""Canned replies: placeholders filled from the ticket, one's own in the config file and
the team's in the database (both backends), `::name` + tab in the reply form, "send and
close", and `agent-console canned`."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from console.app import AgentConsole
from console.config import Settings, load_settings
from console.data.canned import CannedReply, TeamCanned, check_canned, fill
from console.data.errors import BadValue, NotFound, Refused
from console.screens.canned_picker import CannedPicker
from tests.conftest import Desk, FixedClock
from tests.test_cli import CLI
from tests.test_cli import cli as cli  # the fixture
from tests.test_console import console_as, notices, settle
from tests.test_editor import open_reply
from tests.test_snapshots import SIZES
from tests.test_snapshots import demo_db as demo_db  # the fixture

THANKS = "Hi {contact.first_name},\nticket #{number} is done.\n{agent}, {department}"


async def test_placeholders_are_filled_from_the_ticket(desk: Desk) -> None:
    number = await desk.ticket(contact_name="Pat Customer")
    ticket = await desk.service("alice").queries.ticket(number)
    assert fill(THANKS, ticket, "alice") == (
        f"Hi Pat,\nticket #{number} is done.\nalice, {ticket.department}"
    )
    assert fill("{json} {contact.first_name}", ticket, "a") == "{json} Pat"


def test_bad_canned_replies_are_refused() -> None:
    assert check_canned("thanks", THANKS, "close") is None
    assert "is not a placeholder" in (check_canned("x", "Hi {contact.name}", None) or "")
    assert "name is letters" in (check_canned("two words", "x", None) or "")
    assert "needs some text" in (check_canned("x", " ", None) or "")
    assert "Unknown action 'delete'" in (check_canned("x", "y", "delete") or "")


async def test_team_canned_replies(desk: Desk) -> None:
    alice = TeamCanned(desk.db, desk.actors["alice"], desk.clock)
    bob = TeamCanned(desk.db, desk.actors["bob"], desk.clock)  # Billing too
    carl = TeamCanned(desk.db, desk.actors["carl"], desk.clock)  # Network
    await alice.add("thanks", THANKS, "close")
    await alice.add("ack", "We are on it.")
    assert [c.name for c in await bob.list()] == ["ack", "thanks"]
    assert await carl.list() == []
    edited = await bob.edit("thanks", body="Done, {contact.first_name}.", no_action=True)
    assert edited == CannedReply("thanks", "Done, {contact.first_name}.", None, "Billing")
    assert (await alice.edit("ack", action="close")).action == "close"
    with pytest.raises(BadValue, match="already has a canned reply named 'ack'"):
        await alice.add("ack", "again")
    with pytest.raises(BadValue, match="is not a placeholder"):
        await alice.edit("ack", body="{oops}")
    with pytest.raises(NotFound):
        await carl.remove("ack")
    await bob.remove("ack")
    assert [c.name for c in await alice.list()] == ["thanks"]


async def test_an_agent_without_a_team_shares_none(desk: Desk) -> None:
    root = TeamCanned(desk.db, desk.actors["root"], desk.clock)
    assert await root.list() == []
    with pytest.raises(Refused, match="in no team"):
        await root.add("x", "y")


def test_personal_canned_replies_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[canned]]\nname = "thanks"\nbody = "Hi {contact.first_name}"\naction = "close"\n'
        '[[canned]]\nname = "bad"\nbody = "Hi {contact.name}"\n'
        '[[canned]]\nname = "thanks"\nbody = "twice"\n'
    )
    settings = load_settings(path)
    assert settings.canned == [CannedReply("thanks", "Hi {contact.first_name}", "close")]
    assert [p.split(": ", 1)[1] for p in settings.problems] == [
        "[[canned]] {contact.name} is not a placeholder; use {contact.first_name}, {number}, "
        "{agent}, {department}; skipped.",
        "[[canned]] there is already a canned reply named 'thanks'; skipped.",
    ]
    assert " line 5" in settings.problems[0] and " line 8" in settings.problems[1]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_double_colon_tab_inserts_and_send_and_close_closes(desk: Desk) -> None:
    await TeamCanned(desk.db, desk.actors["alice"], desk.clock).add("done", THANKS, "close")
    settings = Settings(canned=[CannedReply("hi", "Hello {contact.first_name},")])
    number = await desk.ticket(contact_name="Pat Customer")
    await desk.service("alice").pick_up(number)
    app = console_as(desk, "alice", settings=settings)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_reply(pilot, number)
        area = app.screen.query_one("#field-body", TextArea)
        await pilot.press(*"::h", "tab")
        assert area.text == "Hello Pat,"
        await pilot.press("enter", *"::nothing", "tab")
        await settle(pilot)
        assert area.has_focus and area.text.endswith("::nothing")  # said, not moved on
        assert any("::done, ::hi" in n or n == "none" for n in notices(app))
        for _ in "::nothing":
            await pilot.press("backspace")
        await pilot.press(*"::done", "tab")
        assert area.text.startswith("Hello Pat,\nHi Pat,\nticket #")
        await pilot.press("ctrl+s")
        await settle(pilot)
    detail = await desk.service("alice").queries.detail(number)
    assert detail.ticket.status == "Closed"
    assert detail.messages[-1].body.startswith("Hello Pat,\nHi Pat,")


def test_canned_from_the_command_line(cli: CLI, tmp_path: Path) -> None:
    added = cli.json(
        "canned", "add", "thanks", "--body", THANKS, "--action", "close", login="alice"
    )
    assert added == [{"name": "thanks", "body": THANKS, "action": "close", "team": "Billing"}]
    edited = cli.json("canned", "edit", "thanks", "--body", "Bye {agent}", login="bob")
    assert edited == [
        {"name": "thanks", "body": "Bye {agent}", "action": "close", "team": "Billing"}
    ]
    code, _, err = cli("canned", "add", "bad", "--body", "{nope}", login="alice")
    assert code == 1 and "{nope} is not a placeholder" in err
    code, _, err = cli("canned", "add", "mine", "--body", "Hi {number}", "--mine", login="alice")
    assert code == 0 and "Added to" in err
    code, out, _ = cli("canned", "list", login="alice")
    assert out.splitlines() == [
        "::mine (yours): Hi {number}",
        "::thanks (team Billing, then close): Bye {agent}",
    ]
    assert cli.json("canned", "remove", "thanks", login="alice") == {"removed": "thanks"}
    code, _, err = cli("canned", "remove", "thanks", login="alice")
    assert code == 1 and "no canned reply named 'thanks'" in err


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_picker_inserts_at_the_cursor(desk: Desk) -> None:
    await TeamCanned(desk.db, desk.actors["alice"], desk.clock).add("bye", "Regards, {agent}")
    settings = Settings(canned=[CannedReply("hi", "Hello {contact.first_name},")])
    number = await desk.ticket(contact_name="Pat Customer")
    app = console_as(desk, "alice", settings=settings)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_reply(pilot, number)
        await pilot.press(*"Thanks. ", "ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, CannedPicker)
        await pilot.press("enter")  # ::bye, the first by name
        await settle(pilot)
        area = app.screen.query_one("#field-body", TextArea)
        assert area.has_focus and area.text == "Thanks. Regards, alice"
        await pilot.press("ctrl+t", "escape")
        await settle(pilot)
        assert area.text == "Thanks. Regards, alice"


def picker_console(demo_db: Path) -> AgentConsole:
    canned = [
        CannedReply("thanks", "Hi {contact.first_name},\nthank you, #{number} is solved.", "close"),
        CannedReply("ack", "We are on it, {contact.first_name}."),
    ]
    return AgentConsole(
        Settings(canned=canned), str(demo_db), "maya", clock=FixedClock(), watch=False
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_canned_picker_snapshot(snap_compare: object, demo_db: Path, size: tuple[int, int]) -> None:
    async def open_picker(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await pilot.press("r")
        await settle(pilot, 0.3)
        await pilot.press("ctrl+t")
        await settle(pilot, 0.3)

    assert snap_compare(picker_console(demo_db), terminal_size=size, run_before=open_picker)  # type: ignore[operator]
