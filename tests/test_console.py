"""The console driven by keys, as an agent would: what the screen shows afterwards and
what the database then holds."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from textual.worker import WorkerCancelled, WorkerFailed

from console.app import AgentConsole
from console.config import Settings
from console.data.db import make_engine
from console.data.directory import Directory
from console.data.queries import QueueQuery
from console.data.tickets import TicketService
from console.screens import main as main_screen
from console.screens.form import FormScreen
from console.screens.help import key_lines
from console.screens.main import MainScreen
from console.screens.ticket import TicketScreen
from console.widgets.stage_bar import StageBar
from console.widgets.ticket_detail import TicketDetailView
from console.widgets.ticket_queue import TicketQueue
from tests.conftest import Desk

# The console is the same on both backends; its tests run on SQLite, except the live
# update test, which checks each backend's own change notification.
pytestmark = pytest.mark.usefixtures("login_root")  # (login only matters to apps)
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def login_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "root")


async def queue_desk(desk: Desk) -> list[int]:
    """Five Billing tickets: three New (two unassigned), one Scheduled, one Closed."""
    numbers = [
        await desk.ticket("alice", subject=f"Billing question {i}", priority=p)
        for i, p in enumerate(["High", "Medium", "Low", "Medium", "High"], start=1)
    ]
    alice = desk.service("alice")
    await alice.pick_up(numbers[0])
    await alice.pick_up(numbers[3])
    await alice.schedule(numbers[3], desk.clock.now + timedelta(hours=2))
    await alice.pick_up(numbers[4])
    await alice.close(numbers[4], resolution="Refund sent")
    return numbers


def queue_lines(app: AgentConsole) -> list[str]:
    queue = app.screen.query_one(TicketQueue)
    return [queue.render_line(y).text for y in range(queue.size.height)]


def stage_text(app: AgentConsole) -> str:
    return str(app.screen.query_one(StageBar).render())


def notices(app: AgentConsole) -> list[str]:
    return [n.message for n in app._notifications]


async def settle(
    pilot: Pilot[None], seconds: float = 0.15, *, waiting: tuple[str, ...] = ()
) -> None:
    """Let workers finish and the screen repaint.  The live watcher runs for ever, and the
    worker groups named in ``waiting`` wait on a screen of their own: neither is awaited."""
    manager = pilot.app.workers
    skip = ("live", *waiting)
    for _ in range(2):
        for worker in [w for w in manager if w.group not in skip]:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()
        await pilot.pause(seconds)
    await pilot.pause()


async def until(pilot: Pilot[None], done: Callable[[], bool], what: str, most: float = 20) -> None:
    """Wait until ``done()`` holds (the screen has caught up), checking every 50 ms for at
    most ``most`` seconds: a moment chosen by progress, not by the clock."""
    for _ in range(int(most / 0.05)):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never: {what}")


@pytest.fixture
async def console(desk: Desk) -> AsyncIterator[tuple[AgentConsole, Desk, list[int]]]:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    yield app, desk, numbers


def queue_screen(app: AgentConsole) -> MainScreen:
    """The queue screen, under any ticket screen or form."""
    return next(s for s in app.screen_stack if isinstance(s, MainScreen))


def console_as(
    desk: Desk, who: str, *, watch: bool = False, settings: Settings | None = None
) -> AgentConsole:
    """The console on the desk's database, acting as ``who``, on the desk's clock."""
    return AgentConsole(
        settings or Settings(), "unused", who, clock=desk.clock, watch=watch, database=desk.db
    )


async def start(app: AgentConsole, pilot: Pilot[None]) -> MainScreen:
    await settle(pilot)
    assert isinstance(app.screen, MainScreen)
    return app.screen


async def goto(pilot: Pilot[None], number: int) -> None:
    """Move the cursor to a ticket's row with j/k."""
    app = pilot.app
    queue = app.screen.query_one(TicketQueue)
    await pilot.press("home")
    for _ in range(queue.window.total):
        if queue.current and queue.current.number == number:
            return
        await pilot.press("j")
    raise AssertionError(f"#{number} is not in the queue")


@sqlite_only
async def test_queue_shows_counts_and_rows(console: tuple[AgentConsole, Desk, list[int]]) -> None:
    app, _desk, numbers = console
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        bar = stage_text(app)
        assert "New 3" in bar and "Scheduled 1" in bar and "Closed 1" in bar
        assert "▸[All 5]" in bar
        lines = queue_lines(app)
        assert lines[0].split()[:3] == ["#", "Prio", "Subject"]
        assert any(str(numbers[0]) in line and "alice" in line for line in lines[1:])
        assert lines[1].startswith("▶ ")  # the cursor is marked without colour too


@sqlite_only
async def test_stage_keys_switch_with_the_right_counts(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, _desk, numbers = console
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("1")
        await settle(pilot)
        assert "▸[New 3]" in stage_text(app)
        shown = [line for line in queue_lines(app)[1:] if line.strip()]
        assert len(shown) == 3
        await pilot.press("]")
        await settle(pilot)
        assert "▸[Scheduled 1]" in stage_text(app)
        assert str(numbers[3]) in queue_lines(app)[1]
        await pilot.press("h")
        await settle(pilot)
        assert "▸[New 3]" in stage_text(app)


@sqlite_only
async def test_view_picker_switches_view(console: tuple[AgentConsole, Desk, list[int]]) -> None:
    app, _desk, _numbers = console
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("2")  # Unassigned
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.view == "unassigned"
        rows = [line for line in queue_lines(app)[1:] if line.strip()]
        assert len(rows) == 2
        assert all("—" in row for row in rows)  # no owner
        assert "▸[All 2]" in stage_text(app)


@sqlite_only
async def test_pick_up_then_schedule_start_reply_time_close(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    """The triage path an agent takes all day, end to end, checked in the database."""
    app, desk, numbers = console
    target = numbers[1]  # unassigned, New
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, target)
        await pilot.press("p")
        await settle(pilot)
        detail = await desk.service("alice").queries.detail(target)
        assert detail.ticket.owner == "alice"
        assert f"Picked up #{target}." in notices(app)

        await goto(pilot, target)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        when = app.screen.query_one("#field-when", Input)
        assert when.has_focus and when.value  # a suggestion, selected: typing replaces it
        await pilot.press(*"+3h")
        await pilot.press("ctrl+s")
        await settle(pilot)
        detail = await desk.service("alice").queries.detail(target)
        assert detail.ticket.status == "Scheduled"
        assert detail.ticket.scheduled_at == desk.clock.now + timedelta(hours=3)

        await goto(pilot, target)
        await pilot.press("S")
        await settle(pilot)
        assert (await desk.service("alice").queries.ticket(target)).status == "InProgress"

        await goto(pilot, target)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"We are on it [b]now[/b]")
        await pilot.press("ctrl+s")
        await settle(pilot)

        await goto(pilot, target)
        await pilot.press("T")
        await settle(pilot)
        await pilot.press(*"25")
        await pilot.press("tab", "space")  # billable
        await pilot.press("ctrl+s")
        await settle(pilot)

        await goto(pilot, target)
        await pilot.press("c")
        await settle(pilot)
        area = app.screen.query_one("#field-resolution", TextArea)
        assert area.has_focus
        await pilot.press(*"Reset the modem")
        await pilot.press("ctrl+s")
        await settle(pilot)
        detail = await desk.service("alice").queries.detail(target)
        assert detail.ticket.status == "Closed"
        assert detail.resolution is not None and detail.resolution.text == "Reset the modem"
        assert [m.body for m in detail.messages] == ["We are on it [b]now[/b]"]
        assert detail.total_minutes == 25 and detail.billable_minutes == 25
        actions = [e.action for e in reversed(detail.history)]
        assert actions[:4] == ["create", "pickup", "schedule", "schedule"]
        assert "start" in actions and "reply" in actions and "time" in actions
        assert actions[-2:] == ["close", "resolution"]
        assert "Closed 2" in stage_text(app)


@sqlite_only
async def test_refused_key_explains_why(console: tuple[AgentConsole, Desk, list[int]]) -> None:
    app, desk, numbers = console
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[1])
        await pilot.press("S")
        await settle(pilot)
        assert f"Start needs a Scheduled ticket; #{numbers[1]} is New." in notices(app)
        assert (await desk.service("alice").queries.ticket(numbers[1])).status == "New"


@sqlite_only
async def test_reopen_by_creator_and_refused_for_another_agent(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    closed = numbers[4]  # created by alice
    bob = console_as(desk, "bob")
    async with bob.run_test(size=(120, 30)) as pilot:
        await start(bob, pilot)
        await goto(pilot, closed)
        await pilot.press("R")
        await settle(pilot)
        assert f"Reopen of #{closed} is for the agent who created it or a lead." in notices(bob)
    assert (await desk.service("alice").queries.ticket(closed)).status == "Closed"
    alice = console_as(desk, "alice")
    async with alice.run_test(size=(120, 30)) as pilot:
        await start(alice, pilot)
        await goto(pilot, closed)
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(alice.screen, FormScreen)  # why (optional): nothing typed
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert (await desk.service("alice").queries.ticket(closed)).status == "ReOpen"


@sqlite_only
async def test_assign_and_release(console: tuple[AgentConsole, Desk, list[int]]) -> None:
    app, desk, numbers = console
    target = numbers[2]
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, target)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press("enter")  # open the agent picker
        await pilot.pause()
        await pilot.press(*"bob", "enter")  # type to search, pick
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert (await desk.service("alice").queries.ticket(target)).owner == "bob"
        await goto(pilot, target)
        await pilot.press("u")
        await settle(pilot)
        assert f"Release of #{target} is for its owner (bob) or a lead." in notices(app)
        assert (await desk.service("alice").queries.ticket(target)).owner == "bob"


@sqlite_only
async def test_validation_errors_show_in_the_form_and_keep_the_text(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, desk, numbers = console
    target = numbers[0]  # alice's, New
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, target)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press(*"next week")
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        error = str(form.query_one("#error-when").render())
        assert "Cannot read 'next week' as a time" in error
        assert form.query_one("#field-when", Input).value == "next week"
        await pilot.press("escape")  # text would be lost: asks first
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert (await desk.service("alice").queries.ticket(target)).status == "New"

        await pilot.press("T")
        await settle(pilot)
        await pilot.press(*"lots")
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = str(app.screen.query_one("#error-minutes").render())
        assert "Time from 1 minute to 24 hours, such as 25, 90m, 1h30 or 1.5h." in shown


@sqlite_only
async def test_act_and_advance_keeps_the_row_position(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, desk, _numbers = console
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("1")  # New: three tickets
        await settle(pilot)
        queue = screen.query_one(TicketQueue)
        order = [queue.window.rows[i].number for i in range(3)]
        await goto(pilot, order[1])
        await pilot.press("S")  # refused: nothing moves
        await settle(pilot)
        owner_of_second = (await desk.service("alice").queries.ticket(order[1])).owner
        if owner_of_second is None:
            await pilot.press("p")
            await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press(*"+1h", "ctrl+s")
        await settle(pilot)
        # The scheduled ticket left the New stage; the next one moved up under the cursor.
        assert queue.cursor == 1
        assert queue.current is not None and queue.current.number == order[2]
        assert "▸[New 2]" in stage_text(app) and "Scheduled 2" in stage_text(app)


@sqlite_only
async def test_each_tab_add_form(
    console: tuple[AgentConsole, Desk, list[int]],
    tmp_path: Path,
) -> None:
    app, desk, numbers = console
    target = numbers[0]
    upload = tmp_path / "router.log"
    upload.write_text("line\n" * 10)
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, target)
        await pilot.press("enter")  # narrow: the ticket screen
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        steps: list[tuple[str, list[str]]] = [
            ("m", [*"@bo", "tab", *"please check"]),
            ("n", [*"customer prefers phone"]),
            ("t", ["tab", *"Call back", "tab", "tab", *"+1d"]),
            ("A", [*"lena", "tab", *"Refund over limit"]),
            ("T", [*"15"]),
            ("f", [*str(upload)]),
            ("w", [*"Replaced the cable"]),
        ]
        for key, typed in steps:
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, FormScreen), key
            await pilot.press(*typed)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, TicketScreen), (key, notices(app))
        detail = await desk.service("alice").queries.detail(target)
        assert [(m.kind, m.body) for m in detail.messages] == [
            ("comment", "@bob please check"),
            ("note", "customer prefers phone"),
        ]
        assert detail.messages[0].mentions == ("bob",)
        assert [(a.kind, a.title) for a in detail.activities] == [("task", "Call back")]
        assert detail.activities[0].due_at == desk.clock.now + timedelta(days=1)
        assert [(a.subject, a.approvers) for a in detail.approvals] == [
            ("Refund over limit", ("lena",))
        ]
        assert detail.total_minutes == 15
        assert [(a.file_name, a.size) for a in detail.attachments] == [("router.log", 50)]
        assert detail.resolution is not None and detail.resolution.text == "Replaced the cable"
        shown = app.screen.query_one(TicketDetailView)
        assert shown.detail is not None and shown.detail.ticket.version == detail.ticket.version


def arriving(bob: TicketService) -> Awaitable[object]:
    """A ticket another agent makes while the console watches."""
    return bob.create(subject="Arrived elsewhere", contact_name="Kim", department="Billing")


async def as_bob_elsewhere(desk: Desk, act: Callable[[TicketService], Awaitable[object]]) -> None:
    """Bob does something on a connection of his own (another agent's console)."""
    other = make_engine(desk.db.url)
    try:
        await act(TicketService(other, desk.actors["bob"], clock=desk.clock))
    finally:
        await other.dispose()


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True
)
async def test_live_update_from_a_second_connection(desk: Desk) -> None:
    await queue_desk(desk)
    app = console_as(desk, "alice", watch=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        assert "▸[All 5]" in stage_text(app)
        await as_bob_elsewhere(desk, arriving)
        for _ in range(40):
            await pilot.pause(0.1)
            if "▸[All 6]" in stage_text(app):
                break
        assert "▸[All 6]" in stage_text(app)
        assert any("Arrived elsewhere" in line for line in queue_lines(app))


@sqlite_only
async def test_a_ticket_arriving_elsewhere_leaves_the_cursor_on_its_ticket(desk: Desk) -> None:
    """A new ticket from another agent (or the mail worker) lands above the cursor: the
    cursor stays on the ticket the agent was reading, and their next j moves on from it."""
    await queue_desk(desk)
    app = console_as(desk, "alice", watch=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        queue = app.screen.query_one(TicketQueue)
        await pilot.press("j", "j")
        await settle(pilot)
        reading = queue.current
        assert reading is not None and queue.cursor == 2
        below = queue.window.row(3)
        assert below is not None
        await as_bob_elsewhere(desk, arriving)
        await until(pilot, lambda: "▸[All 6]" in stage_text(app), "the new ticket is counted")
        top = queue.window.row(0)
        assert top is not None and top.subject == "Arrived elsewhere"
        current = queue.current
        assert current is not None and current.number == reading.number
        assert queue.cursor == 3  # moved down a line with its ticket
        await pilot.press("j")
        await until(
            pilot,
            lambda: queue.current is not None and queue.current.number == below.number,
            "j moves to the ticket that was below",
        )


@sqlite_only
async def test_changes_that_keep_coming_are_counted_once_the_pause_is_up(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows follow every outside change at once; the counts (the costly read) at most
    every RECOUNT_SECONDS while changes keep coming, and then they are exact."""
    monkeypatch.setattr(main_screen, "RECOUNT_SECONDS", 1.5)
    await queue_desk(desk)
    app = console_as(desk, "alice", watch=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await as_bob_elsewhere(desk, arriving)
        await until(pilot, lambda: "▸[All 6]" in stage_text(app), "the first change is counted")
        await as_bob_elsewhere(
            desk,
            lambda bob: bob.create(
                subject="Second arrival", contact_name="Kim", department="Billing"
            ),
        )
        await until(
            pilot,
            lambda: any("Second arrival" in line for line in queue_lines(app)),
            "the second ticket's row is shown",
        )
        await until(
            pilot, lambda: "▸[All 7]" in stage_text(app), "it is counted once the pause is up"
        )


@sqlite_only
async def test_a_change_waits_while_the_agent_moves_and_shows_when_they_pause(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An outside change that arrives while the agent walks the queue with j does not
    shift the rows under their keys: it is shown once they pause."""
    # A pause of 2 s counts as moving on, so a busy machine's slow keys still hold it.
    monkeypatch.setattr(main_screen, "HOLD_WHILE_MOVING", 2.0)
    monkeypatch.setattr(main_screen, "HOLD_MOST", 60.0)
    await queue_desk(desk)
    app = console_as(desk, "alice", watch=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        screen = queue_screen(app)
        await pilot.press("j")
        await as_bob_elsewhere(desk, arriving)
        for _ in range(30):  # 3 s of keys or more; the database is polled each second
            await pilot.press("k" if _ % 8 < 4 else "j")
            await pilot.pause(0.1)
        assert screen._held_since is not None, "the change was heard and held"
        assert "▸[All 5]" in stage_text(app)
        await until(pilot, lambda: "▸[All 6]" in stage_text(app), "shown once the agent paused")
        assert any("Arrived elsewhere" in line for line in queue_lines(app))


@sqlite_only
async def test_the_detail_pane_is_read_again_only_when_its_ticket_changed(desk: Desk) -> None:
    """Other agents' changes reload the queue; the detail beside it is read again only
    when the ticket it shows changed (mail arriving all day must not re-read and redraw
    the ticket an agent is reading)."""
    await queue_desk(desk)
    app = console_as(desk, "alice", watch=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await start(app, pilot)
        queue = app.screen.query_one(TicketQueue)
        side = app.screen.query_one("#side", TicketDetailView)
        await pilot.press("j")
        await until(
            pilot,
            lambda: (
                side.detail is not None
                and queue.current is not None
                and side.detail.ticket.number == queue.current.number
            ),
            "the detail shows the cursor's ticket",
        )
        shown = side.detail
        assert shown is not None
        await as_bob_elsewhere(desk, arriving)
        await until(pilot, lambda: "▸[All 6]" in stage_text(app), "the new ticket is counted")
        await settle(pilot)
        assert side.detail is shown  # not read again
        await as_bob_elsewhere(desk, lambda bob: bob.comment(shown.ticket.number, "Seen there"))
        await until(
            pilot,
            lambda: (
                side.detail is not shown
                and side.detail is not None
                and side.detail.ticket.number == shown.ticket.number
            ),
            "the changed ticket is read again",
        )


@sqlite_only
async def test_wide_terminal_shows_the_detail_beside_the_queue(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, _desk, _numbers = console
    async with app.run_test(size=(160, 48)) as pilot:
        await start(app, pilot)
        side = app.screen.query_one("#side", TicketDetailView)
        assert side.display
        queue = app.screen.query_one(TicketQueue)

        def follows() -> bool:
            detail, current = side.detail, queue.current
            if detail is None or current is None:
                return False
            return detail.ticket.number == current.number

        await pilot.press("g", "g")  # top
        await until(pilot, follows, "the detail shows the top row's ticket")
        first = queue.current
        await pilot.press("j")
        await until(pilot, lambda: queue.current is not first, "the cursor moved down")
        await until(pilot, follows, "the detail follows the cursor")


@sqlite_only
async def test_edit_form_changes_fields(console: tuple[AgentConsole, Desk, list[int]]) -> None:
    app, desk, numbers = console
    target = numbers[0]
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, target)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        subject = app.screen.query_one("#field-subject", Input)
        assert subject.has_focus and subject.value == "Billing question 1"
        await pilot.press("ctrl+u", *"Invoice sent twice")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen), notices(app)
    detail = await desk.service("alice").queries.detail(target)
    assert detail.ticket.subject == "Invoice sent twice"
    assert (detail.history[0].action, detail.history[0].field) == ("edit", "subject")


@sqlite_only
async def test_edit_form_shows_hostile_text_safely_and_keeps_it_stored(desk: Desk) -> None:
    """The edit form shows a subject holding escape sequences with visible markers (an
    Input would pass them to the terminal), and saving another field leaves the subject
    and description exactly as the customer sent them."""
    subject = "Refund \x1b]52;c;aGk=\x07 now \u202e"
    description = "line one\n\x1b[2J line two"
    target = await desk.ticket("alice", subject=subject, description=description)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await goto(pilot, target)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        shown = app.screen.query_one("#field-subject", Input).value
        assert "\x1b" not in shown and "\u202e" not in shown
        assert "␛]52;c;aGk=␇" in shown
        assert "\x1b" not in app.screen.query_one("#field-description", TextArea).text
        assert not app.screen.dirty  # shown safely is not a change
        product = app.screen.query_one("#field-product", Input)
        product.focus()
        await pilot.press(*"Router X")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen), notices(app)
    detail = await desk.service("alice").queries.detail(target)
    assert detail.ticket.subject == subject
    assert detail.ticket.description == description
    assert detail.ticket.product == "Router X"
    assert [(e.action, e.field) for e in detail.history[:1]] == [("edit", "product")]


@sqlite_only
async def test_new_ticket_fills_the_account_from_a_known_contact(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, desk, _numbers = console
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press(*"Cannot log in to the portal")
        await pilot.press("tab")
        await pilot.press(*"Pat C")
        await settle(pilot, 0.3)
        await pilot.press("right")  # accept the completion: "Pat Customer"
        await settle(pilot)
        form = app.screen
        assert form.query_one("#field-contact_name", Input).value == "Pat Customer"
        assert form.query_one("#field-contact_email", Input).value == "pat@acme.example"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen), notices(app)
    rows = await desk.service("alice").queries.window(QueueQuery("created", "New"), limit=10)
    created = next(r for r in rows if r.subject == "Cannot log in to the portal")
    assert (created.contact, created.account) == ("Pat Customer", "Acme Ltd")


@sqlite_only
async def test_decide_approval_mark_done_and_save_attachment(desk: Desk, tmp_path: Path) -> None:
    numbers = await queue_desk(desk)
    target = numbers[0]
    alice = desk.service("alice")
    await alice.request_approval(target, ["lena"], "Credit note over 500")
    await alice.add_activity(target, "Send the credit note")
    await alice.attach_bytes(target, "statement.csv", b"date,amount\n2026-03-01,510\n")
    lena = console_as(desk, "lena")
    async with lena.run_test(size=(120, 40)) as pilot:
        await start(lena, pilot)
        await goto(pilot, target)
        for key, typed in (("D", [*"within policy"]), ("d", []), ("O", [])):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(lena.screen, FormScreen), (key, notices(lena))
            if key == "D":
                await pilot.press("tab", "tab", *typed)
            if key == "O":
                path = lena.screen.query_one("#field-path", Input)
                path.value = str(tmp_path)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(lena.screen, MainScreen), (key, notices(lena))
    detail = await desk.service("lena").queries.detail(target)
    approval = detail.approvals[0]
    assert (approval.state, approval.decider, approval.comment) == (
        "approved",
        "lena",
        "within policy",
    )
    assert detail.activities[0].done
    assert (tmp_path / "statement.csv").read_bytes() == b"date,amount\n2026-03-01,510\n"


@sqlite_only
async def test_conflict_is_explained_and_the_row_reloaded(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, desk, numbers = console
    target = numbers[1]  # unassigned, New
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, target)
        # Another agent picks it up while alice is looking at the old row.
        await desk.service("bob").pick_up(target)
        await pilot.press("p")
        await settle(pilot)
        assert any(
            n.startswith(f"#{target} was changed by bob at ") and n.endswith("Reloaded.")
            for n in notices(app)
        ), notices(app)
        queue = app.screen.query_one(TicketQueue)
        row = next(r for r in queue.window.rows if r.number == target)
        assert row.owner == "bob"  # the row shows what is true now
    assert (await desk.service("alice").queries.ticket(target)).owner == "bob"


@sqlite_only
async def test_palette_jumps_to_a_ticket_by_number(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, _desk, numbers = console
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*f"#{numbers[2]}")
        await settle(pilot, 0.4)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.number == numbers[2]


@sqlite_only
async def test_a_remapped_key_works_and_the_old_one_does_not(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    settings = Settings(keymap={"ticket.pickup": "P"})
    app = console_as(desk, "alice", settings=settings)
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[1])
        await pilot.press("p")
        await settle(pilot)
        assert (await desk.service("alice").queries.ticket(numbers[1])).owner is None
        await pilot.press("P")
        await settle(pilot)
    assert (await desk.service("alice").queries.ticket(numbers[1])).owner == "alice"


@sqlite_only
async def test_hostile_names_reach_notices_as_plain_visible_text(desk: Desk) -> None:
    hostile = "Evil [/] \x1b]52;c;cHduZWQ=\x07Corp"
    await Directory(desk.db, desk.actors["root"], desk.clock).add_account(
        hostile, coordinator="alice", amc_expires=date(2020, 1, 1)
    )
    number = await desk.ticket(
        "alice", account=hostile, contact_email="x@evil.example", subject="[@click=app.quit]boom[/]"
    )
    await desk.service("alice").pick_up(number)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, number)
        # As plain text (the queue's subject column may cut its end at this width).
        assert any("[@click=app.quit]boo" in line for line in queue_lines(app))
        await pilot.press("s")  # refused by the AMC gate, naming the account
        await settle(pilot)
        notice = next(n for n in notices(app) if "AMC exception" in n)
        assert "Evil [/] ␛]52;c;cHduZWQ=␇Corp" in notice
        assert "\x1b" not in notice and "\x07" not in notice
        assert app.is_running


@sqlite_only
async def test_attachment_over_20_mb_is_refused_in_the_form(
    console: tuple[AgentConsole, Desk, list[int]], tmp_path: Path
) -> None:
    app, desk, numbers = console
    big = tmp_path / "core.dump"
    with big.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[0])
        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#field-path", Input).value = str(big)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        error = str(app.screen.query_one("#error-path").render())
        assert "core.dump is 21.0 MB; attachments are at most 20 MB." in error
    assert (await desk.service("alice").queries.detail(numbers[0])).attachments == ()


@sqlite_only
async def test_help_shows_the_keys_of_the_screen(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, _desk, _numbers = console
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
        shown += " ".join(map(str, key_lines(queue_screen(app)).columns[1].cells))
        shown += " ".join(map(str, key_lines(queue_screen(app)).columns[2].cells))
        assert "Pick up" in shown and "(ticket.pickup)" in shown
        assert "Next stage" in shown and "(main.next_stage)" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)


@sqlite_only
async def test_live_update_keeps_a_form_being_typed(desk: Desk) -> None:
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice", watch=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[0])
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"Half a reply")
        await desk.service("bob").create(
            subject="Meanwhile", contact_name="Kim", department="Billing"
        )
        for _ in range(40):
            await pilot.pause(0.1)
            main = queue_screen(app)
            if main is not None and "All 6" in str(main.query_one(StageBar).render()):
                break
        assert "All 6" in str(queue_screen(app).query_one(StageBar).render())
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#field-body", TextArea).text == "Half a reply"


@sqlite_only
async def test_ticket_screen_scrolls_a_long_conversation(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, desk, numbers = console
    for i in range(30):
        await desk.service("alice").note(numbers[0], f"note {i}\nsecond line\nthird line")
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[0])
        await pilot.press("enter")
        await settle(pilot)
        scroller = app.screen.query_one("#tab-conversation").query_one("VerticalScroll")
        assert scroller.scroll_y == 0
        await pilot.press("pagedown")
        await settle(pilot)
        assert scroller.scroll_y > 0
        await pilot.press("G")
        await settle(pilot)
        assert scroller.scroll_y == scroller.max_scroll_y > 0
        await pilot.press("g")
        await settle(pilot)
        assert scroller.scroll_y == 0


@sqlite_only
async def test_clicking_a_stage_shows_it(console: tuple[AgentConsole, Desk, list[int]]) -> None:
    app, _desk, _numbers = console
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await start(app, pilot)
        bar = screen.query_one(StageBar)
        begin = next(b for b, _e, stage in bar._spans if stage == "Closed")
        await pilot.click(StageBar, offset=(begin + 2, 0))
        await settle(pilot)
        assert screen.stage == "Closed" and "▸[Closed 1]" in stage_text(app)


@pytest.mark.parametrize(
    "text", ["注文が届きません注文が届きません", "plain subject", "🔥🔥🔥 fire", "ab"]
)
def test_wide_characters_keep_the_columns_aligned(text: str) -> None:
    from rich.cells import cell_len

    from console.widgets.ticket_queue import _fit

    assert cell_len(_fit(text, 10)) == 10


@sqlite_only
async def test_a_ten_megabyte_body_is_capped_and_read_page_by_page(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, desk, numbers = console
    body = "A" * 10_000_000  # one line, as a hostile mail would send it
    await desk.service("alice").note(numbers[0], body)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[0])
        await pilot.press("enter")
        await settle(pilot, 0.3)
        shown = str(app.screen.query_one("#body-conversation").render())
        assert "9,980,000 more characters: x reads it all" in shown
        await pilot.press("x")
        await settle(pilot)
        title = str(app.screen.query_one("#pager-title").render())
        assert "page 1 of 501" in title
        await pilot.press("n")
        await settle(pilot)
        assert "page 2 of 501" in str(app.screen.query_one("#pager-title").render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
