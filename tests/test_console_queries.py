"""How much the console asks of the database per key: a stage switch reads one window of
rows (the view's counts stand), a view switch adds that view's counts, and the stage bar
still shows the right numbers."""

from __future__ import annotations

import re

from console.data.queries import QueueQuery, sort_key
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


#: "My Tickets"' condition: by account, "+ 0" when the sort index is walked instead.
#: (A bound value is "?" on SQLite, "$1::INTEGER" on PostgreSQL.)
BOUND = r"(?:\?|\$\d+(?:::\w+)?)"
MY_ACCOUNTS = re.compile(
    rf"tickets\.account_id(?P<walk> \+ {BOUND})? IN \(SELECT accounts\.id\s+"
    rf"FROM accounts\s+WHERE accounts\.coordinator_id = {BOUND}\)"
)
#: The status compared unindexed: no stage's index is walked to find a few of mine.
STATUS_UNINDEXED = re.compile(rf"tickets\.status \|\| {BOUND}")


async def test_my_tickets_walks_the_sort_index_only_for_a_coordinator_of_many(
    desk: Desk,
) -> None:
    """ "My Tickets" of someone whose accounts hold many of the desk's tickets walks the
    queue's sort index (a few entries per row shown); of someone with few, it fetches
    those few by account and sorts them, whatever the stage.  Both show the same rows in
    the same order."""
    acme = [await desk.ticket("alice", subject=f"Acme question {i}") for i in range(12)]
    oldco = [
        await desk.ticket("carl", subject=f"Oldco question {i}", account="Oldco") for i in range(4)
    ]
    for number in acme[:3]:
        await desk.service("alice").close(number, resolution="Answered.")
    for number in oldco[:2]:
        await desk.service("carl").close(number, resolution="Answered.")
    # 16 tickets, windows of 4: walking pays from isqrt(4 * 16 / 2) + 1 = 6 tickets of mine.
    for who, walks, mine, closed in (("alice", True, 12, 3), ("carl", False, 4, 2)):
        queries = desk.service(who).queries
        whole = await queries.window(QueueQuery("my", "All", "updated"), limit=100)
        assert len(whole) == mine
        with selects_sent(desk.db) as first:
            shown = await queries.window(QueueQuery("my", "All", "updated"), limit=4)
        assert shown == whole[:4]
        # The view's own condition (the scope's names every coordinator of the team).
        by_account = MY_ACCOUNTS.search(first[-1])
        assert by_account is not None, first[-1]
        assert (by_account["walk"] is not None) is walks, first[-1]
        with selects_sent(desk.db) as again:
            after = await queries.window(
                QueueQuery("my", "All", "updated"), after=sort_key(shown[-1], "updated"), limit=4
            )
        assert after == whole[4:8]
        assert len(again) == 1  # the choice is kept: the window alone
        # By due time the open tickets come first, a few of anyone's: not walked.
        by_due = await queries.window(QueueQuery("my", "All", "due"), limit=4)
        assert by_due == sorted(whole, key=lambda row: sort_key(row, "due"))[:4]
        # My Closed and the Closed stage: a few of mine are found by account, not by
        # walking the Closed stage's index.
        for query in (QueueQuery("my-closed", "All", "updated"), QueueQuery("my", "Closed")):
            with selects_sent(desk.db) as sent:
                rows = await queries.window(query, limit=4)
            assert [r.number for r in rows] == [r.number for r in whole if r.status == "Closed"]
            assert len(rows) == closed
            assert (STATUS_UNINDEXED.search(sent[-1]) is None) is walks, sent[-1]
