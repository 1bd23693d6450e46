"""The desk's records in the console (g r): each kind's table, the filter, the edit and
add forms through the same services as the command line, a lead who may only read, an
agent who may not open them, errors under the field where they were typed, and removing a
department asking where its tickets go.  On both backends (the desk fixture's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from console.data.desk import DeskRecords
from console.data.models import Agent, Department, Event, Ticket, agent_departments
from console.screens.form import ConfirmScreen, FormScreen
from console.screens.main import MainScreen
from console.screens.records import RecordsScreen
from tests.conftest import Desk
from tests.test_console import console_as, notices, settle, start, until


def _rows(app: Any) -> list[list[str]]:
    table = app.screen.query_one("#records-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def _records(app: Any, pilot: Pilot[None], section: str = "1") -> RecordsScreen:
    await start(app, pilot)
    await pilot.press("g", "r")
    await until(pilot, lambda: isinstance(app.screen, RecordsScreen), "the records opened")
    await settle(pilot)
    if section != "1":
        await pilot.press(section)
        await settle(pilot)
    screen = app.screen
    assert isinstance(screen, RecordsScreen)
    return screen


async def _to_row(app: Any, pilot: Pilot[None], first_cell: str) -> None:
    names = [row[0] for row in _rows(app)]
    app.screen.query_one("#records-table", DataTable).move_cursor(row=names.index(first_cell))
    await pilot.pause()


async def _form(app: Any, pilot: Pilot[None], *keys: str) -> FormScreen:
    await pilot.press(*keys)
    await until(pilot, lambda: isinstance(app.screen, FormScreen), "the form opened")
    await settle(pilot)
    assert isinstance(app.screen, FormScreen)
    return app.screen


async def _type(app: Any, pilot: Pilot[None], name: str, text: str) -> None:
    field = app.screen.query_one(f"#field-{name}", Input)
    field.value = ""
    field.focus()
    await pilot.press(*text)


def _error(app: Any, name: str) -> str:
    return str(app.screen.query_one(f"#error-{name}", Static).render())


async def _submitted(app: Any, pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, RecordsScreen), "the form closed")
    await settle(pilot)


async def test_agents_are_listed_filtered_and_edited_by_an_admin(desk: Desk) -> None:
    app = console_as(desk, "root")
    async with app.run_test(size=(120, 36)) as pilot:
        await _records(app, pilot)
        listed = await DeskRecords(desk.db, desk.actors["root"]).agents()
        assert [row[0] for row in _rows(app)] == [a.username for a in listed]
        carl = _rows(app)[[a.username for a in listed].index("carl")]
        assert carl == ["carl", "agent", "Network", "0", "Network"]
        await pilot.press("slash", *"network")
        await settle(pilot)
        assert [row[0] for row in _rows(app)] == ["carl", "nina"]
        await pilot.press("escape")  # back to the table, the filter kept
        assert isinstance(app.screen, RecordsScreen)
        assert app.screen.query_one("#records-table", DataTable).has_focus
        await pilot.press("home", "e")
        form = await _form(app, pilot)
        assert form.form_title == "Edit agent carl"
        form.query_one("#field-role", Select).value = "lead"
        await _type(app, pilot, "departments", "Network, Billing")
        await _submitted(app, pilot)
        assert "Changed carl." in notices(app)
        assert _rows(app)[0] == ["carl", "lead", "Network", "0", "Billing, Network"]
    async with desk.db.read() as session:
        agent = (await session.execute(select(Agent).where(Agent.username == "carl"))).scalar_one()
        depts = (
            await session.execute(
                select(Department.name)
                .join(agent_departments, agent_departments.c.department_id == Department.id)
                .where(agent_departments.c.agent_id == agent.id)
                .order_by(Department.name)
            )
        ).scalars()
        assert agent.role == "lead" and list(depts) == ["Billing", "Network"]


async def test_a_new_agent_named_twice_is_told_under_the_username(desk: Desk) -> None:
    app = console_as(desk, "root")
    async with app.run_test(size=(120, 36)) as pilot:
        await _records(app, pilot)
        await _form(app, pilot, "n")
        await _type(app, pilot, "username", "carl")
        await _type(app, pilot, "team", "Network")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "already" in _error(app, "username"), "the error shown")
        assert isinstance(app.screen, FormScreen)  # nothing typed is lost
        assert app.screen.query_one("#field-team", Input).value == "Network"
        await _type(app, pilot, "username", "dora")
        await _submitted(app, pilot)
        assert "dora" in [row[0] for row in _rows(app)]
        # x deactivates, after asking.
        await _to_row(app, pilot, "dora")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await until(pilot, lambda: "dora" in " ".join(notices(app)), "deactivated")
        await settle(pilot)
        assert ["dora", "agent (deactivated)", "Network", "0", "-"] in _rows(app)
    async with desk.db.read() as session:
        active = await session.execute(select(Agent.active).where(Agent.username == "dora"))
        assert active.scalar_one() is False


async def test_a_lead_reads_the_records_and_is_told_only_admins_change_them(desk: Desk) -> None:
    app = console_as(desk, "lena")
    async with app.run_test(size=(120, 36)) as pilot:
        await _records(app, pilot, "2")
        assert [row[0] for row in _rows(app)] == ["Acme Ltd", "Oldco"]
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, RecordsScreen)
        assert "Changing the desk's records is for admins; you (lena) are a lead." in notices(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, RecordsScreen)


async def test_an_agent_is_told_the_records_are_for_leads_and_admins(desk: Desk) -> None:
    app = console_as(desk, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("g", "r")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert "The desk's records are for leads and admins; you (alice) are an agent." in notices(
            app
        )


async def test_renewing_an_accounts_contract_lifts_its_open_tickets_amc_state(
    desk: Desk,
) -> None:
    number = await desk.ticket("carl", department="Network", account="Oldco")
    app = console_as(desk, "root")
    async with app.run_test(size=(120, 36)) as pilot:
        await _records(app, pilot, "2")
        assert _rows(app)[1] == ["Oldco", "carl", "2025-12-31", "desk's", "desk's"]
        await _to_row(app, pilot, "Oldco")
        await _form(app, pilot, "enter")
        await _type(app, pilot, "amc_expires", "2027-13-01")
        await _type(app, pilot, "hourly_rate", "80.5")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "as a date" in _error(app, "amc_expires")
        assert app.screen.query_one("#field-hourly_rate", Input).value == "80.5"
        await _type(app, pilot, "amc_expires", "2027-06-30")
        await _submitted(app, pilot)
        assert _rows(app)[1] == ["Oldco", "carl", "2027-06-30", "80.50", "desk's"]
    async with desk.db.read() as session:
        ticket = (await session.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        assert ticket.amc_state == "ok"
        events = (
            await session.execute(select(Event.new_value).where(Event.ticket_id == ticket.id))
        ).scalars()
        assert any("renewed" in (value or "") for value in events)


async def test_a_contacts_email_and_account_are_changed_with_errors_in_their_fields(
    desk: Desk,
) -> None:
    await desk.ticket("alice")
    app = console_as(desk, "root")
    async with app.run_test(size=(120, 36)) as pilot:
        await _records(app, pilot, "3")
        assert _rows(app) == [["Pat Customer", "pat@acme.example", "-", "Acme Ltd", "1"]]
        await _form(app, pilot, "e")
        await _type(app, pilot, "email", "pat-at-example")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "is not an email address" in _error(app, "email")
        await _type(app, pilot, "email", "pat@oldco.example")
        await _type(app, pilot, "account", "Nowhere Inc")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "No account" in _error(app, "account"), "the error shown")
        assert app.screen.query_one("#field-email", Input).value == "pat@oldco.example"
        await _type(app, pilot, "account", "Oldco")
        await _submitted(app, pilot)
        assert _rows(app) == [["Pat Customer", "pat@oldco.example", "-", "Oldco", "1"]]
    listed = await DeskRecords(desk.db, desk.actors["root"]).contacts("Oldco")
    assert [(c.email, c.account) for c in listed] == [("pat@oldco.example", "Oldco")]


async def test_a_departments_settings_are_changed_and_removing_asks_where_tickets_go(
    desk: Desk,
) -> None:
    number = await desk.ticket("carl", department="Network", account="Oldco")
    app = console_as(desk, "root")
    async with app.run_test(size=(140, 40)) as pilot:
        await _records(app, pilot, "4")
        assert [row[0] for row in _rows(app)] == ["Billing", "Network"]
        await _to_row(app, pilot, "Network")
        await _form(app, pilot, "e")
        await _type(app, pilot, "auto_close_days", "0")
        app.screen.query_one("#field-auto_assign", Select).value = "least-loaded"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "above 0, or -1 for never" in _error(app, "auto_close_days")
        await _type(app, pilot, "auto_close_days", "5")
        await _submitted(app, pilot)
        network = _rows(app)[1]
        assert network[0] == "Network" and network[5:7] == ["after 5 days", "least-loaded"]
        # x asks where Network's tickets go; the only other department is offered.
        await _form(app, pilot, "x")
        select_ = app.screen.query_one("#field-move_to", Select)
        assert [str(label) for label, _ in select_._options if _ != Select.NULL] == ["Billing"]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "is needed" in _error(app, "move_to")
        select_.value = "Billing"
        await _submitted(app, pilot)
        assert "Removed department Network; 1 tickets moved to Billing." in notices(app)
        assert [row[0] for row in _rows(app)] == ["Billing"]
        # The last department stays.
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, RecordsScreen)
        assert "Billing is the last department; a desk needs one." in notices(app)
    async with desk.db.read() as session:
        moved = await session.execute(
            select(Department.name)
            .join(Ticket, Ticket.department_id == Department.id)
            .where(Ticket.number == number)
        )
        assert moved.scalar_one() == "Billing"
