"""Removing a saved view from the console's view picker (``v``, then ``x``): a team view by
whoever shared it or a lead or admin of the team, one's own from the config file."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from console.app import AgentConsole
from console.config import load_settings
from console.data.views import TeamViews
from console.screens.main import MainScreen
from console.screens.view_picker import ViewPicker
from console.widgets.view_list import ViewList
from tests.conftest import Desk
from tests.test_console import console_as, notices, settle, sqlite_only, start


def listed(app: AgentConsole) -> list[str]:
    return [str(o.prompt).strip() for o in app.screen.query_one(ViewList).options]


async def remove_last_view(app: AgentConsole, pilot: Pilot[None]) -> None:
    """``v``, the last view of the list, ``x``, then ``y`` to the question."""
    await pilot.press("v")
    await settle(pilot)
    assert isinstance(app.screen, ViewPicker)
    await pilot.press("end", "x")
    await settle(pilot, waiting=("remove-view",))  # (it asks)
    assert "Remove " in str(app.screen.query_one("Static").render())
    await pilot.press("y")
    await settle(pilot, 0.3)


@sqlite_only
async def test_a_team_view_is_removed_by_a_lead_not_by_a_teammate(desk: Desk) -> None:
    await TeamViews(desk.db, desk.actors["alice"]).share("Urgent", "prio:high")
    bob = console_as(desk, "bob")
    async with bob.run_test(size=(120, 40)) as pilot:
        await start(bob, pilot)
        await settle(pilot)
        await remove_last_view(bob, pilot)
        assert isinstance(bob.screen, MainScreen)
        assert any("lead or admin" in n for n in notices(bob)), notices(bob)
    assert [v.name for v in await TeamViews(desk.db, desk.actors["bob"]).list()] == ["Urgent"]
    lena = console_as(desk, "lena")
    async with lena.run_test(size=(120, 40)) as pilot:
        await start(lena, pilot)
        await settle(pilot)
        assert any(n.startswith("Urgent (Billing)") for n in listed(lena))
        await remove_last_view(lena, pilot)
        assert any("Removed the team view Urgent" in n for n in notices(lena)), notices(lena)
        assert not any(n.startswith("Urgent") for n in listed(lena))
    assert await TeamViews(desk.db, desk.actors["lena"]).list() == []


@sqlite_only
async def test_ones_own_view_is_removed_from_the_config_file(desk: Desk, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'theme = "textual-dark"\n\n[[views]]\nname = "Printers"\nfilter = "printer"\n',
        encoding="utf-8",
    )
    app = console_as(desk, "alice", settings=load_settings(config))
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await settle(pilot)
        assert any(n.startswith("Printers") for n in listed(app))
        await remove_last_view(app, pilot)
        assert not any(n.startswith("Printers") for n in listed(app))
    assert load_settings(config).views == []
    assert config.read_text(encoding="utf-8").startswith('theme = "textual-dark"')


@sqlite_only
async def test_the_built_in_views_stay(desk: Desk) -> None:
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ViewPicker)
        assert any("built-in views stay" in n for n in notices(app))
