"""Tag, then act, in the console: space and * tag, ; and an action key preview and apply,
the report shows each ticket, and U undoes it."""

from __future__ import annotations

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Static

from console.data.actions import Action
from console.data.bulk import Bulk, BulkRequest
from console.data.models import Ticket
from console.screens.bulk import BulkActionPicker, BulkPreviewScreen, BulkReportScreen
from console.screens.form import ConfirmScreen, FormScreen
from console.screens.main import MainScreen
from console.widgets.ticket_queue import TicketQueue
from tests.conftest import Desk
from tests.test_console import (
    console_as,
    notices,
    queue_desk,
    queue_lines,
    sqlite_only,
    start,
)
from tests.test_console import (
    settle as console_settle,
)


async def settle(pilot: Pilot[None], seconds: float = 0.15) -> None:
    """Let workers finish, except the bulk flow's own, which waits on its screens."""
    await console_settle(pilot, seconds, waiting=("bulk",))


async def reach(pilot: Pilot[None], screen: type) -> None:
    """Wait (up to 10 s) until ``screen`` is on top: the bulk flow runs in a worker."""
    for _ in range(200):
        if isinstance(pilot.app.screen, screen):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{screen.__name__} never came; on top: {pilot.app.screen!r}")


def shown(app: object, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


async def owners(desk: Desk, numbers: list[int]) -> list[str | None]:
    queries = desk.service("lena").queries
    return [(await queries.ticket(n)).owner for n in numbers]


@sqlite_only
async def test_space_tags_and_moves_down(desk: Desk) -> None:
    await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        queue = app.screen.query_one(TicketQueue)
        first = queue.current
        assert first is not None
        await pilot.press("space")
        await settle(pilot)
        assert queue.tagged == {first.number} and queue.cursor == 1
        assert queue_lines(app)[1].startswith(" ✓")  # the tag mark on the first row
        assert "1 tagged" in shown(app, "#queue-status")
        await pilot.press("k", "space")  # space again untags
        await settle(pilot)
        assert queue.tagged == set()


@sqlite_only
async def test_tag_all_then_pick_up_with_a_refusal_in_the_batch_then_undo(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    new = [numbers[0], numbers[1], numbers[2]]  # alice owns the first already
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("1")  # the New stage
        await settle(pilot)
        await pilot.press("asterisk")
        await settle(pilot)
        queue = app.screen.query_one(TicketQueue)
        assert queue.tagged == set(new)
        assert any("Tagged 3 tickets" in n for n in notices(app))

        await pilot.press("semicolon")
        await reach(pilot, BulkActionPicker)
        await pilot.press("p")
        await reach(pilot, BulkPreviewScreen)
        title = shown(app, "#bulk-title")
        assert "Pick up 3 tagged tickets: 2 will change, 1 will be refused" in title
        preview = shown(app, "#bulk-preview")
        assert f"#{numbers[1]}" in preview and "owner — → alice" in preview
        assert f"#{numbers[0]} is already yours." in preview
        assert await owners(desk, new) == ["alice", None, None]  # nothing applied yet

        await pilot.press("y")
        await reach(pilot, BulkReportScreen)
        assert "Pick up: 2 done." in shown(app, "#bulk-title")
        assert await owners(desk, new) == ["alice", "alice", "alice"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert queue.tagged == {numbers[0]}  # the refused one stays tagged

        await pilot.press("U")
        await reach(pilot, ConfirmScreen)
        await pilot.press("y")
        await reach(pilot, BulkReportScreen)
        assert "Undo of pick up: 2 put back." in shown(app, "#bulk-title")
    assert await owners(desk, new) == ["alice", None, None]


@sqlite_only
async def test_bulk_close_asks_for_the_resolution_and_cancel_changes_nothing(
    desk: Desk,
) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("space", "space")
        await pilot.press("semicolon", "c")
        await reach(pilot, FormScreen)
        await pilot.press(*"Answered by phone")
        await pilot.press("ctrl+s")
        await reach(pilot, BulkPreviewScreen)
        assert "New → Closed, with the resolution" in shown(app, "#bulk-preview")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    statuses = [(await desk.service("lena").queries.ticket(n)).status for n in numbers[:3]]
    assert statuses == ["New", "New", "New"]


@sqlite_only
async def test_bulk_without_tags_says_how_to_tag(desk: Desk) -> None:
    await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("semicolon")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert any("space tags the one under the cursor" in n for n in notices(app))


async def test_an_admin_deletes_tagged_tickets_after_typing_the_count(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    doomed = [numbers[1], numbers[2]]  # two unassigned New tickets
    app = console_as(desk, "root")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("1")
        await settle(pilot)
        queue = app.screen.query_one(TicketQueue)
        queue.set_tags(set(doomed))
        await pilot.press("semicolon")
        await reach(pilot, BulkActionPicker)
        await pilot.press("X")
        await reach(pilot, FormScreen)
        await pilot.press(*"delete 3", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)  # the wrong count is refused in place
        await pilot.press("backspace", "2", "ctrl+s")
        await reach(pilot, BulkPreviewScreen)
        assert "deleted for good" in shown(app, "#bulk-preview")
        await pilot.press("y")
        await reach(pilot, BulkReportScreen)
        assert "Delete: 2 done." in shown(app, "#bulk-title")
    async with desk.db.read() as session:
        left = set((await session.execute(select(Ticket.number))).scalars())
    assert not set(doomed) & left and numbers[0] in left


async def test_an_agent_is_refused_bulk_delete_in_the_preview(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    preview = await Bulk(desk.service("alice")).preview(BulkRequest(Action.DELETE), numbers[:2])
    assert preview.changes == [] and len(preview.refused) == 2
    report = await Bulk(desk.service("root")).apply(BulkRequest(Action.DELETE), numbers[:1])
    assert [o.done for o in report.outcomes] == [True] and not report.undoable
