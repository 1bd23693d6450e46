"""The knowledge base in the console: ``g k`` lists, searches, writes and edits articles;
``ctrl+o`` in the reply form searches it on the ticket's subject and inserts the chosen
article's text at the cursor.  Snapshots at 80x24 and 160x48, on the demo desk (whose
published resolutions are articles)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static, TextArea

from console.data.kb import KnowledgeBase
from console.screens.form import FormScreen
from console.screens.kb import KnowledgeBaseScreen
from tests.conftest import Desk
from tests.test_console import console_as, goto, notices, settle, start
from tests.test_snapshots import SIZES, console
from tests.test_snapshots import demo_db as demo_db  # the fixture

pytestmark = pytest.mark.usefixtures("login_root")
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def login_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "root")


def listed(app: object) -> list[str]:
    options = app.screen.query_one("#kb-list", OptionList)  # type: ignore[attr-defined]
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def reading(app: object) -> str:
    return str(app.screen.query_one("#kb-article", Static).render())  # type: ignore[attr-defined]


async def open_knowledge_base(pilot: Pilot[None]) -> None:
    """``g k``: the second key once the jump waits for it."""
    await pilot.press("g")
    await pilot.pause()
    await pilot.press("k")
    await settle(pilot, 0.3)


async def articles(desk: Desk) -> KnowledgeBase:
    kb = KnowledgeBase(desk.db, desk.actors["alice"], desk.clock)
    await kb.add("VPN drops hourly", "Renew the VPN certificate, then reconnect.", "vpn")
    await kb.add("Printer offline", "Reinstall driver 4.2.", "printer")
    return kb


@sqlite_only
async def test_g_k_lists_searches_writes_and_edits(desk: Desk) -> None:
    kb = await articles(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await open_knowledge_base(pilot)
        assert isinstance(app.screen, KnowledgeBaseScreen)
        assert listed(app) == ["Printer offline", "VPN drops hourly"]
        assert "Reinstall driver 4.2." in reading(app)  # the article under the cursor
        await pilot.press(*"certif")
        await settle(pilot)
        assert listed(app) == ["VPN drops hourly"]
        assert "Renew the VPN certificate" in reading(app)

        await pilot.press("enter", "e")  # to the list, edit the article there
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#field-title", Input).value == "VPN drops hourly"
        await pilot.press("tab", "end")
        await pilot.press(*" Ask for the new token.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, KnowledgeBaseScreen)
        assert "Ask for the new token." in reading(app)

        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"Password reset", "tab", *"Use the self-service portal.")
        await pilot.press("tab", *"accounts, Login")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved article 3." in notices(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, KnowledgeBaseScreen)
    [vpn] = await kb.search("token")
    assert vpn.body == "Renew the VPN certificate, then reconnect. Ask for the new token."
    [new] = await kb.search("portal")
    assert (new.title, new.tags) == ("Password reset", ("accounts", "login"))


@sqlite_only
async def test_reply_inserts_an_article_at_the_cursor(desk: Desk) -> None:
    await articles(desk)
    number = await desk.ticket(subject="VPN drops again")
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, number)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"Hello Pat,", "enter", "enter", *"Regards")
        area = app.screen.query_one("#field-body", TextArea)
        area.move_cursor((1, 0))  # the empty line between
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, KnowledgeBaseScreen)
        assert app.screen.query_one("#kb-search", Input).value == "VPN drops again"
        # "again" is in no article: those with some of the words are offered.
        assert listed(app) == ["VPN drops hourly"]
        assert "No article holds every word" in str(app.screen.query_one("#kb-hint").render())
        await pilot.press("ctrl+w", "backspace")  # the last word goes
        await settle(pilot)
        assert listed(app) == ["VPN drops hourly"]
        assert "enter inserts" in str(app.screen.query_one("#kb-hint").render())
        await pilot.press("enter", "enter")  # to the list; insert
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert area.text == "Hello Pat,\nRenew the VPN certificate, then reconnect.\nRegards"
        await pilot.press("ctrl+s")
        await settle(pilot)
    detail = await desk.service("alice").queries.detail(number)
    assert [m.body for m in detail.messages] == [
        "Hello Pat,\nRenew the VPN certificate, then reconnect.\nRegards"
    ]


def steady_cursors(pilot: Pilot[None]) -> None:
    """A blinking cursor is caught on or off: snapshots take it steady."""
    for field in pilot.app.screen.query("Input, TextArea"):
        field.cursor_blink = False  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_knowledge_base_snapshot(
    snap_compare: object,
    demo_db: Path,
    size: tuple[int, int],
) -> None:
    async def open_kb(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await open_knowledge_base(pilot)
        await pilot.press(*"vpn")
        await settle(pilot, 0.3)
        steady_cursors(pilot)

    assert snap_compare(console(demo_db), terminal_size=size, run_before=open_kb)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_article_form_snapshot(
    snap_compare: object,
    demo_db: Path,
    size: tuple[int, int],
) -> None:
    async def open_form(pilot: Pilot[None]) -> None:
        await settle(pilot, 0.3)
        await open_knowledge_base(pilot)
        await pilot.press(*"vpn", "enter", "e")
        await settle(pilot, 0.3)
        steady_cursors(pilot)

    assert snap_compare(console(demo_db), terminal_size=size, run_before=open_form)  # type: ignore[operator]
