"""How much the console asks of the database per key: a stage switch reads one window of
rows (the view's counts stand), a view switch adds that view's counts, and the stage bar
still shows the right numbers."""

from __future__ import annotations

from tests.conftest import Desk
from tests.statements import selects_sent
from tests.test_console import console_as, queue_desk, settle, sqlite_only, stage_text, start


@sqlite_only
async def test_a_stage_switch_reads_only_the_rows_and_a_view_switch_its_counts(
    desk: Desk,
) -> None:
    await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        before = stage_text(app)
        with selects_sent(desk.db) as statements:
            await pilot.press("2")  # the Scheduled stage
            await settle(pilot)
            assert len(statements) == 1, statements  # the window; no counts
            assert "ORDER BY" in statements[0]
            assert stage_text(app).replace("▸[", "[") != before  # the mark moved
            assert "Scheduled 1" in stage_text(app)  # counts kept
            statements.clear()
            await pilot.press("g", "u")  # the Unassigned view
            await settle(pilot)
            assert len(statements) == 2, statements  # its window, then its counts
            assert "New 2" in stage_text(app)
