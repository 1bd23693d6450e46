"""Search (/), the filter language in the console, saved views and the palette."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Static

from console.config import Settings, load_settings
from console.data.views import TeamViews
from console.screens.form import FormScreen
from console.screens.main import MainScreen
from console.screens.ticket import TicketScreen
from console.widgets.search_bar import SearchBar
from console.widgets.ticket_queue import TicketQueue
from console.widgets.view_list import ViewList
from tests.conftest import Desk
from tests.test_console import console_as, notices, queue_desk, sqlite_only, stage_text, start
from tests.test_console import settle as console_settle


async def settle(pilot: Pilot[None], seconds: float = 0.15) -> None:
    """Let workers finish (not a flow waiting on a screen of its own)."""
    await console_settle(pilot, seconds, waiting=("save-view",))


async def search(pilot: Pilot[None], text: str) -> None:
    await pilot.press("slash")
    bar = pilot.app.screen.query_one(SearchBar)
    bar.query_one(Input).value = ""
    await pilot.press(*text)
    await pilot.pause(0.4)  # the debounce
    await settle(pilot)


def numbers(app: object) -> list[int]:
    queue = app.screen.query_one(TicketQueue)  # type: ignore[attr-defined]
    return [r.number for r in queue.window.rows]


async def searchable(desk: Desk) -> dict[str, int]:
    await queue_desk(desk)
    t = {
        "printer": await desk.ticket("alice", subject="Printer jams on tray 2", priority="High"),
        "vpn": await desk.ticket(
            "alice", subject="VPN drops", contact_email="zoe@corp.example", contact_name="Zoe Quinn"
        ),
    }
    await desk.service("alice").customer_message(t["vpn"], "Since Tuesday the Lyon office")
    return t


@sqlite_only
async def test_words_search_the_conversation_and_the_stage_bar_counts_the_results(
    desk: Desk,
) -> None:
    t = await searchable(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await search(pilot, "lyon")
        assert numbers(app) == [t["vpn"]]  # only the customer's message holds it
        assert "All 1" in stage_text(app)
        assert "Search: lyon" in str(app.screen.query_one("#queue-status", Static).render())
        await search(pilot, "zoe@corp.example")  # the contact's email
        assert numbers(app) == [t["vpn"]]
        await search(pilot, "Zoe")  # the contact's name
        assert numbers(app) == [t["vpn"]]
        await search(pilot, "prio:high -printer")
        assert t["printer"] not in numbers(app) and numbers(app)
        await pilot.press("escape")  # leaves the search line and ends the search
        await settle(pilot)
        assert not app.screen.search_text  # type: ignore[attr-defined]
        assert len(numbers(app)) == 7


@sqlite_only
async def test_a_mistake_points_at_the_token_and_keeps_the_results(desk: Desk) -> None:
    await searchable(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        before = numbers(app)
        await search(pilot, "printer stat:new")
        problem = str(app.screen.query_one("#search-problem", Static).render())
        assert "        ^^^^" in problem  # under "stat", after "printer "
        assert "did you mean 'status'" in problem
        assert numbers(app) == before  # nothing was searched
        assert app.screen.query_one(SearchBar).text == "printer stat:new"  # kept


@sqlite_only
async def test_a_ticket_number_jumps_to_the_ticket(desk: Desk) -> None:
    t = await searchable(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await start(app, pilot)
        await search(pilot, f"#{t['printer']}")
        assert numbers(app) == [t["printer"]]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.number == t["printer"]  # type: ignore[attr-defined]


@sqlite_only
async def test_save_a_search_as_my_view_and_as_my_teams_view(desk: Desk, tmp_path: Path) -> None:
    t = await searchable(desk)
    config = tmp_path / "config.toml"
    settings = Settings()
    settings.source = config
    app = console_as(desk, "alice", settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await search(pilot, "printer")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("V")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press(*"Printers")
        await pilot.press("ctrl+s")
        await settle(pilot, 0.3)
        assert isinstance(app.screen, MainScreen), notices(app)
        assert app.screen.view == "mine:Printers"
        assert numbers(app) == [t["printer"]]
        names = [str(o.prompt) for o in app.screen.query_one(ViewList).options]
        assert any("Printers 1" in n for n in names)
        # Shared with the team: stored in the database.
        await search(pilot, "prio:high")
        await pilot.press("enter")
        await pilot.press("V")
        await settle(pilot)
        await pilot.press(*"Urgent")
        app.screen.query_one("#field-share", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot, 0.3)
        assert isinstance(app.screen, MainScreen), notices(app)
    assert [v.name for v in load_settings(config).views] == ["Printers"]
    assert [v.filter for v in await TeamViews(desk.db, desk.actors["bob"]).list()] == ["prio:high"]
    # A teammate sees the team's view in the list, with its count.
    bob = console_as(desk, "bob")
    async with bob.run_test(size=(120, 40)) as pilot:
        await start(bob, pilot)
        await settle(pilot)
        names = [str(o.prompt) for o in bob.screen.query_one(ViewList).options]
        assert any(n.strip().startswith("Urgent (Billing)") for n in names), names


@sqlite_only
async def test_the_palette_jumps_by_number_and_by_subject_words(desk: Desk) -> None:
    t = await searchable(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"tray")
        await pilot.pause(0.8)
        await settle(pilot)
        palette = app.screen
        results = palette.query_one(CommandList)
        listed = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert any(f"Open #{t['printer']} Printer jams on tray 2" in p for p in listed), listed
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.number == t["printer"]  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*str(t["vpn"]))
        await pilot.pause(0.8)
        await settle(pilot)
        results = app.screen.query_one(CommandList)
        listed = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert listed[0].startswith(f"Open ticket #{t['vpn']}"), listed
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.number == t["vpn"]  # type: ignore[attr-defined]


@sqlite_only
async def test_help_documents_the_filter_language(desk: Desk) -> None:
    await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = str(app.screen.query_one("#help-filters", Static).render())
        for term in ("status:new", "owner:me", "due:<4h", "-status:closed", "Examples:"):
            assert term in text
