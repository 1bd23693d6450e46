"""My tasks, activity administration (owner, due time, reminder; giving an activity to
someone else), the refusal of a reminder that cannot remind anyone, the filter terms
``mentions:me``, ``approval:me`` and ``has:reminder`` and the view "Approvals waiting on
me": on SQLite and PostgreSQL for the data, in the console for what people press."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from console.data.errors import BadValue
from console.data.filters import build_filter
from console.data.models import Activity, Approval, Message, Ticket, approval_approvers
from console.data.models import message_mentions as mentions_table
from console.data.queries import QueueQuery
from console.data.tasks import open_tasks
from console.data.tickets.activities import KEEP
from console.data.when import show_local
from console.screens.form import FormScreen
from console.screens.main import MainScreen
from console.screens.tasks import MyTasksScreen
from console.screens.ticket import TicketScreen
from tests.conftest import NOW, Desk
from tests.test_cli import CLI, cli, create
from tests.test_console import console_as, login_root, notices, settle, start

__all__ = ["cli", "login_root"]

HOUR = timedelta(hours=1)


async def tasks_desk(desk: Desk) -> list[int]:
    """Three Billing tickets with activities: alice owns three open ones (one overdue,
    one without a due time), bob one, and one of alice's is done."""
    numbers = [await desk.ticket("alice", subject=f"Invoice question {i}") for i in range(3)]
    alice = desk.service("alice")
    await alice.add_activity(numbers[0], "Call back Pat", kind="call", due=NOW + 5 * HOUR)
    await alice.add_activity(numbers[1], "Send the credit note")  # no due time
    await alice.add_activity(
        numbers[2], "Check the refund", due=NOW + 2 * HOUR, reminder=NOW + HOUR
    )
    await alice.add_activity(numbers[0], "Bob's follow-up", owner="bob", due=NOW + HOUR)
    await alice.add_activity(numbers[1], "Already done", due=NOW + 3 * HOUR)
    done = await activity_id(desk, "Already done")
    await alice.complete_activity(numbers[1], done)
    desk.clock.advance(hours=1)  # the call is not overdue; nothing is yet
    return numbers


async def activity_id(desk: Desk, title: str) -> int:
    async with desk.db.read() as session:
        return (
            await session.execute(select(Activity.id).where(Activity.title == title))
        ).scalar_one()


# -- the data: on both backends ---------------------------------------------------------


async def test_my_tasks_are_mine_open_and_by_due_time(desk: Desk) -> None:
    numbers = await tasks_desk(desk)
    alice = desk.service("alice")
    mine = await open_tasks(alice.queries)
    assert [(t.title, t.ticket) for t in mine] == [
        ("Check the refund", numbers[2]),
        ("Call back Pat", numbers[0]),
        ("Send the credit note", numbers[1]),  # no due time: last
    ]
    assert mine[1].kind == "call" and mine[0].reminder_at == NOW + HOUR
    assert mine[0].subject == "Invoice question 2"
    everyone = await open_tasks(alice.queries, everyone=True)
    assert [t.title for t in everyone][:2] == ["Bob's follow-up", "Check the refund"]
    assert {t.owner for t in everyone} == {"alice", "bob"}
    # carl (Network) sees none of Billing's tickets, so none of their activities.
    assert await open_tasks(desk.service("carl").queries, everyone=True) == []


async def test_an_activity_is_changed_and_given_with_history(desk: Desk) -> None:
    numbers = await tasks_desk(desk)
    alice = desk.service("alice")
    call = await activity_id(desk, "Call back Pat")
    due = NOW + 30 * HOUR
    await alice.edit_activity(
        numbers[0], call, title="Call back Pat Customer", due=due, reminder=due - HOUR
    )
    await alice.edit_activity(numbers[0], call, owner="bob")
    bobs = await open_tasks(desk.service("bob").queries)
    assert [(t.title, t.due_at, t.reminder_at) for t in bobs][-1] == (
        "Call back Pat Customer",
        due,
        due - HOUR,
    )
    assert "Call back Pat Customer" not in [t.title for t in await open_tasks(alice.queries)]
    events = [
        (e.action, e.field, e.old, e.new)
        for e in (await alice.queries.detail(numbers[0])).history
        if e.action == "activity"
    ]
    assert (
        "activity",
        f"call {call} title",
        "Call back Pat",
        "Call back Pat Customer",
    ) in events
    assert ("activity", f"call {call} owner", "alice", "bob") in events
    reminder = (due - HOUR).isoformat(timespec="minutes")
    assert ("activity", f"call {call} reminder", None, reminder) in events
    assert any(field == f"call {call} due" for _a, field, _o, _n in events)
    # Clearing the reminder and keeping the rest.
    await alice.edit_activity(numbers[0], call, reminder=None)
    assert (await open_tasks(desk.service("bob").queries))[-1].reminder_at is None


async def test_given_only_to_an_agent_who_may_see_the_ticket(desk: Desk) -> None:
    numbers = await tasks_desk(desk)
    alice = desk.service("alice")
    call = await activity_id(desk, "Call back Pat")
    with pytest.raises(BadValue, match="carl may not see") as refused:
        await alice.edit_activity(numbers[0], call, owner="carl")
    assert refused.value.field == "owner"
    with pytest.raises(BadValue, match="carl may not see"):
        await alice.add_activity(numbers[0], "For Network", owner="carl")
    assert (await open_tasks(alice.queries))[1].owner == "alice"  # nothing changed


async def test_a_reminder_must_be_upcoming_and_before_the_due_time(desk: Desk) -> None:
    numbers = await tasks_desk(desk)
    alice = desk.service("alice")
    now = desk.clock()
    for kwargs, words in (
        ({"reminder": now - HOUR}, "is in the past"),
        ({"due": now + HOUR, "reminder": now + 2 * HOUR}, "comes after the due time"),
    ):
        with pytest.raises(BadValue, match=words) as refused:
            await alice.add_activity(numbers[0], "Late", **kwargs)  # type: ignore[arg-type]
        assert refused.value.field == "reminder"
    call = await activity_id(desk, "Call back Pat")
    with pytest.raises(BadValue, match="only an upcoming activity can have one"):
        await alice.edit_activity(numbers[0], call, reminder=now - HOUR)
    refund = await activity_id(desk, "Check the refund")  # due +1h from now, reminder now
    with pytest.raises(BadValue, match="comes before the reminder") as refused:
        await alice.edit_activity(numbers[2], refund, due=now - 2 * HOUR)
    assert refused.value.field == "due"
    # A reminder that already fired stays while the rest changes.
    desk.clock.advance(minutes=30)
    await alice.edit_activity(numbers[2], refund, title="Check the refund twice", reminder=KEEP)
    async with desk.db.read() as session:
        row = await session.get(Activity, refund)
        assert row is not None and row.reminder_at == NOW + HOUR
        assert (await session.get(Activity, call)).reminder_at is None  # type: ignore[union-attr]


async def test_filter_terms_match_a_computation_over_the_rows(desk: Desk) -> None:
    numbers = await tasks_desk(desk)
    alice, bob = desk.service("alice"), desk.service("bob")
    await alice.comment(numbers[0], "@bob can you check the refund?")
    await alice.comment(numbers[1], "no mention here")
    await bob.comment(numbers[2], "@alice over to you")
    await alice.request_approval(numbers[1], ["lena", "bob"], "Credit over 500")
    await alice.request_approval(numbers[2], ["lena"], "Waive the fee")
    await alice.request_approval(numbers[0], ["bob"], "Refund in full")
    async with desk.db.read() as session:
        first = (
            await session.execute(
                select(Approval.id).join(Ticket).where(Ticket.number == numbers[0])
            )
        ).scalar_one()
    await bob.decide_approval(first, True)
    await alice.add_activity(numbers[1], "Remind me", reminder=desk.clock() + HOUR)

    async with desk.db.read() as session:
        ticket_of = dict((await session.execute(select(Ticket.id, Ticket.number))).all())
        mention_rows = (
            await session.execute(
                select(Message.ticket_id, mentions_table.c.agent_id).join(
                    mentions_table, mentions_table.c.message_id == Message.id
                )
            )
        ).all()
        approval_rows = (
            await session.execute(
                select(Approval.ticket_id, Approval.state, approval_approvers.c.agent_id).join(
                    approval_approvers, approval_approvers.c.approval_id == Approval.id
                )
            )
        ).all()
        activity_rows = (
            await session.execute(select(Activity.ticket_id, Activity.done, Activity.reminder_at))
        ).all()

    def expected(term: str, who: str) -> set[int]:
        me = desk.actors[who].id
        if term == "mentions:me":
            ids = {t for t, agent in mention_rows if agent == me}
        elif term == "approval:me":
            ids = {t for t, state, agent in approval_rows if state == "pending" and agent == me}
        elif term == "approval:pending":
            ids = {t for t, state, _agent in approval_rows if state == "pending"}
        else:
            ids = {t for t, done, reminder in activity_rows if not done and reminder is not None}
        return {ticket_of[t] for t in ids}

    seen: dict[tuple[str, str], set[int]] = {}
    for who in ("alice", "bob", "lena"):
        queries = desk.service(who).queries
        for term in ("mentions:me", "approval:me", "approval:pending", "has:reminder"):
            for negated in (False, True):
                text = ("-" if negated else "") + term
                rows = await queries.window(QueueQuery(filters=(text,)), limit=100)
                got = {r.number for r in rows}
                want = expected(term, who)
                if negated:
                    want = set(numbers) - want
                assert got == want, (who, text)
                seen[(who, text)] = got
    # Not vacuous: each term keeps some tickets and leaves others.
    assert seen[("bob", "mentions:me")] == {numbers[0]}
    assert seen[("alice", "mentions:me")] == {numbers[2]}
    assert seen[("lena", "approval:me")] == {numbers[1], numbers[2]}
    assert seen[("bob", "approval:me")] == {numbers[1]}
    assert seen[("alice", "has:reminder")] == {numbers[1], numbers[2]}
    # The view: the tickets with an approval pending on me.
    lena_view = await desk.service("lena").queries.window(QueueQuery("approvals"), limit=50)
    assert {r.number for r in lena_view} == {numbers[1], numbers[2]}
    bob_counts = await bob.queries.view_counts()
    assert bob_counts["approvals"] == 1


async def test_filter_terms_are_read_and_refused_in_words(desk: Desk) -> None:
    me = desk.actors["alice"].id
    for text in ("mention:me", "approvals:me", "has:reminders", "approval:PENDING"):
        await build_filter(text, desk.db, me)
    with pytest.raises(BadValue, match=r"mentions: takes me"):
        await build_filter("mentions:bob", desk.db, me)
    with pytest.raises(BadValue, match=r"Unknown approval: value 'later'"):
        await build_filter("approval:later", desk.db, me)


# -- the command line ---------------------------------------------------------------------


def test_cli_tasks_and_activity_edit(cli: CLI) -> None:
    number = create(cli)
    code, _out, err = cli(
        "ticket", "task", str(number), "--title", "Call Pat", "--due", "+2d", login="alice"
    )
    assert code == 0, err
    cli("ticket", "task", str(number), "--title", "Later", login="alice")
    tasks = cli.json("tasks", login="alice")
    assert isinstance(tasks, list)
    assert [t["title"] for t in tasks] == ["Call Pat", "Later"]
    call = tasks[0]
    assert (call["kind"], call["owner"], call["ticket"], call["overdue"]) == (
        "task",
        "alice",
        number,
        False,
    )
    assert call["reminder"] is None and call["due"] is not None

    # A reminder in the past is refused in words, on adding and on changing.
    code, _out, err = cli(
        "ticket", "task", str(number), "--title", "x", "--reminder", "2020-01-01 10:00",
        login="alice",
    )  # fmt: skip
    assert code == 1 and "is in the past; only an upcoming activity can have one" in err
    code, _out, err = cli(
        "ticket", "activity-edit", str(number), str(call["id"]), "--reminder", "+5d",
        login="alice",
    )  # fmt: skip
    assert code == 1 and "comes after the due time" in err

    code, _out, err = cli(
        "ticket", "activity-edit", str(number), str(call["id"]), "--reminder", "+1d",
        "--owner", "bob", "--title", "Call Pat back", login="alice",
    )  # fmt: skip
    assert code == 0, err
    assert [t["title"] for t in cli.json("tasks", login="alice")] == ["Later"]
    bobs = cli.json("tasks", login="bob")
    assert isinstance(bobs, list) and bobs[0]["title"] == "Call Pat back"
    assert bobs[0]["reminder"] is not None
    code, out, _err = cli("tasks", login="bob")
    assert "Call Pat back" in out and f"#{number}" in out
    everyone = cli.json("tasks", "--all-open", login="lena")
    assert isinstance(everyone, list) and len(everyone) == 2

    code, _out, err = cli(
        "ticket", "activity-edit", str(number), str(call["id"]), "--due", "none",
        "--reminder", "none", login="bob",
    )  # fmt: skip
    assert code == 0, err
    bobs = cli.json("tasks", login="bob")
    assert isinstance(bobs, list) and bobs[0]["due"] is None and bobs[0]["reminder"] is None
    code, _out, err = cli(
        "ticket", "activity-edit", str(number), str(call["id"]), "--owner", "carl", login="bob"
    )
    assert code == 1 and "carl may not see" in err
    code, _out, err = cli(
        "ticket", "activity-edit", str(number), str(call["id"]), "--title", "Stale",
        "--expect-version", "1", login="bob",
    )  # fmt: skip
    assert code == 1 and "was changed by" in err
    code, out, _err = cli("ticket", "show", str(number), login="bob")
    assert "owner: alice -> bob" in out and "Stale" not in out


# -- the console ------------------------------------------------------------------------

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def task_rows(screen: MyTasksScreen) -> list[str]:
    from textual.widgets import OptionList

    options = screen.query_one("#tasks-list", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


@sqlite_only
@pytest.mark.usefixtures("login_root")
async def test_my_tasks_in_the_console(desk: Desk) -> None:
    numbers = await tasks_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(140, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("g", "T")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MyTasksScreen), notices(app)
        rows = task_rows(screen)
        assert len(rows) == 3
        assert "Check the refund" in rows[0] and f"#{numbers[2]}" in rows[0]
        assert f"reminder {show_local(NOW + HOUR)}" in rows[0]
        assert rows[2].startswith("  no due time") and "Send the credit note" in rows[2]
        assert not any(r.startswith("!") for r in rows)

        # enter opens the ticket at its Activities tab; esc comes back.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.number == numbers[2]
        from textual.widgets import TabbedContent

        assert app.screen.query_one(TabbedContent).active == "tab-activities"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MyTasksScreen)

        # d marks the one under the cursor done.
        await pilot.press("d")
        await settle(pilot)
        assert len(task_rows(screen)) == 2, notices(app)
        assert "Check the refund" not in " ".join(task_rows(screen))

        # e changes it: a new due time, kept in the database.
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        from textual.widgets import Input

        form.query_one("#field-due", Input).value = "2026-03-04 16:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen, notices(app)
        assert "2026-03-04 16:00" in task_rows(screen)[0]

        # a gives it to bob: it leaves my tasks.
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-owner", Input).value = "carl"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # refused under the field; what was typed stays
        assert "carl may not see" in str(form.query_one("#error-owner").render())
        form.query_one("#field-owner", Input).value = "bob"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen, notices(app)
        assert len(task_rows(screen)) == 1 and "Send the credit note" in task_rows(screen)[0]

        # o shows everyone's, with their owners.
        await pilot.press("o")
        await settle(pilot)
        assert any("owner bob" in r and "Call back Pat" in r for r in task_rows(screen))
    async with desk.db.read() as session:
        refund = (
            await session.execute(select(Activity).where(Activity.title == "Check the refund"))
        ).scalar_one()
        call = (
            await session.execute(select(Activity).where(Activity.title == "Call back Pat"))
        ).scalar_one()
    assert refund.done
    assert call.owner_id == desk.actors["bob"].id
    assert show_local(call.due_at) == "2026-03-04 16:00"


@sqlite_only
@pytest.mark.usefixtures("login_root")
async def test_a_past_reminder_is_refused_under_its_field(desk: Desk) -> None:
    numbers = await tasks_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        main = await start(app, pilot)
        from tests.test_console import goto

        await goto(pilot, numbers[0])
        await pilot.press("t")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen), notices(app)
        from textual.widgets import Input

        form.query_one("#field-title", Input).value = "Chase the bank"
        form.query_one("#field-reminder", Input).value = "2026-03-01 08:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        error = str(form.query_one("#error-reminder").render())
        assert "is in the past; only an upcoming activity can have one" in error
        assert form.query_one("#field-title", Input).value == "Chase the bank"  # kept
        form.query_one("#field-reminder", Input).value = "+2h"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen), notices(app)
        assert main is app.screen
    titles = [t.title for t in await open_tasks(desk.service("alice").queries)]
    assert "Chase the bank" in titles


@sqlite_only
@pytest.mark.usefixtures("login_root")
async def test_my_tasks_from_the_view_picker(desk: Desk) -> None:
    await tasks_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("end", "enter")  # no saved views: My tasks is the last entry
        await settle(pilot)
        assert isinstance(app.screen, MyTasksScreen), notices(app)
        assert len(task_rows(app.screen)) == 3
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
