"""The desk's records (``g r`` or the palette): agents, accounts, contacts and departments,
each a table with the columns of its ``list`` command, ``/`` to filter, ``enter`` or ``e``
to edit the record under the cursor, ``n`` to add one and ``x`` to deactivate an agent or
remove a department.

Leads and admins read them; only admins change them (the services refuse everyone else,
and the screen says so in a sentence before a form is opened).  Every form goes through the
same services and checks as the command line (``console.data.desk``/``directory``), and a
refusal is shown under the field it is about, with everything typed kept.  Names, emails
and the rest are typed by people: they are shown as cleaned plain text only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from console.context import InConsole
from console.data.desk import KEEP, AccountRecord, ContactListed, DeskRecords
from console.data.directory import DepartmentRecord
from console.data.errors import BadValue, ConsoleError, NotFound, Refused
from console.data.figures import money_cents
from console.data.records import AgentRecord, looks_like_email
from console.data.tickets.auto_assign import MODES
from console.data.when import parse_day
from console.data.workflow import Role
from console.keys import bindings, key_hint
from console.safe import clean
from console.screens.form import ConfirmScreen, Field, FieldError, FormScreen
from console.screens.worker_errors import ReportsWorkerErrors
from console.widgets.editing import EditableInput
from console.widgets.footer import KeyFooter
from console.widgets.header import ConsoleHeader

#: The kinds of record, in the order of their sections (and of the keys 1-4).
KINDS: tuple[str, ...] = ("agents", "accounts", "contacts", "departments")
TITLES: dict[str, str] = {
    "agents": "Agents",
    "accounts": "Accounts",
    "contacts": "Contacts",
    "departments": "Departments",
}
#: The columns of each kind: those of its ``list`` command.
COLUMNS: dict[str, tuple[str, ...]] = {
    "agents": ("Agent", "Role", "Team", "Open", "Departments"),
    "accounts": ("Account", "Coordinator", "AMC expires", "Hourly rate", "Ticket price"),
    "contacts": ("Contact", "Email", "Phone", "Account", "Tickets"),
    "departments": (
        "Department",
        "Open",
        "Email",
        "Acknowledgement",
        "Closing",
        "Auto-close",
        "Auto-assign",
        "Agents",
    ),
}
ROLES: tuple[str, ...] = tuple(r.value for r in Role)
ASSIGN_MODES: tuple[str, ...] = ("off", *MODES)

Record = AgentRecord | AccountRecord | ContactListed | DepartmentRecord


@dataclass(frozen=True)
class Records:
    """Every record of the desk, as read at one moment."""

    agents: Sequence[AgentRecord]
    accounts: Sequence[AccountRecord]
    contacts: Sequence[ContactListed]
    departments: Sequence[DepartmentRecord]

    def of(self, kind: str) -> Sequence[Record]:
        found: Sequence[Record] = getattr(self, kind)
        return found


def cells(kind: str, record: Record, default_close_days: int) -> tuple[str, ...]:
    """A record's row as its ``list`` command prints it (``-`` for nothing)."""
    if isinstance(record, AgentRecord):
        role = record.role if record.active else f"{record.role} (deactivated)"
        return (
            record.username,
            role,
            record.team or "-",
            str(record.open_load),
            ", ".join(record.departments) or "-",
        )
    if isinstance(record, AccountRecord):
        return (
            record.name,
            record.coordinator or "-",
            str(record.amc_expires or "-"),
            record.hourly_rate or "desk's",
            record.ticket_price or "desk's",
        )
    if isinstance(record, ContactListed):
        return (
            record.name,
            record.email or "-",
            record.phone or "-",
            record.account or "-",
            str(record.tickets),
        )
    days = record.auto_close_days if record.auto_close_days is not None else default_close_days
    ack = ("own template" if record.ack_template else "default") if record.ack_enabled else "off"
    return (
        record.name,
        str(record.open_tickets),
        record.email or "-",
        ack,
        "own template" if record.closing_template else "default",
        "never" if days == -1 else f"after {days} days",
        record.auto_assign,
        ", ".join(record.agents) or "-",
    )


def record_key(record: Record) -> str:
    """What names a record: an agent's username, a contact's email (or name), a name."""
    if isinstance(record, AgentRecord):
        return record.username
    if isinstance(record, ContactListed):
        return record.email or record.name
    return record.name


def matches(row: Sequence[str], words: Sequence[str]) -> bool:
    """Whether every word typed in the filter is in some cell of the row (any case)."""
    text = " ".join(row).lower()
    return all(word in text for word in words)


# -- checks of what is typed (shown under the field) ------------------------------------


def _problem(check: Callable[[str], object]) -> Callable[[Any], str | None]:
    def checked(value: Any) -> str | None:
        try:
            check(str(value))
        except ConsoleError as exc:
            return str(exc)
        return None

    return checked


def _email(text: str) -> None:
    if text.strip() and not looks_like_email(text.strip()):
        raise BadValue(f"{text!r} is not an email address (name@example.com).")


def _days(text: str) -> None:
    try:
        days = int(text.strip())
    except ValueError:
        raise BadValue("Auto-close days is a number of days above 0, or -1 for never.") from None
    if days == 0 or days < -1:
        raise BadValue("Auto-close days is a number of days above 0, or -1 for never.")


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _field_of(exc: ConsoleError, words: dict[str, str], fallback: str | None) -> ConsoleError:
    """The service's refusal as a message under the field it names (by a word of it)."""
    message = str(exc).lower()
    for word, name in words.items():
        if word in message:
            return FieldError(name, str(exc))
    return FieldError(fallback, str(exc)) if fallback else exc


# -- the forms ---------------------------------------------------------------------------


def agent_form(records: DeskRecords, agent: AgentRecord | None) -> FormScreen:
    """Add an agent, or change one (role, team, name, email, departments; deactivate)."""
    fields = []
    if agent is None:
        fields.append(
            Field("username", "Username", required=True, help="their login on this system")
        )
    fields += [
        Field("display_name", "Name", value=agent.display_name if agent else ""),
        Field("email", "Email", value=(agent.email or "") if agent else "", check=_problem(_email)),
        Field(
            "role",
            "Role",
            "select",
            value=agent.role if agent else "agent",
            options=[(r, r) for r in ROLES],
            required=True,
        ),
        Field("team", "Team", value=(agent.team or "") if agent else "", help="empty for none"),
        Field(
            "departments",
            "Departments it works (comma-separated)",
            value=", ".join(agent.departments) if agent else "",
        ),
    ]
    if agent is not None and agent.active:
        fields.append(
            Field(
                "deactivate",
                "Deactivate: keeps its history and its name on tickets, can no longer act",
                "checkbox",
                value=False,
            )
        )
    words = {
        "role": "role",
        "already an agent": "username",
        "username": "username",
        "yourself": "deactivate",
    }

    async def save(values: dict[str, Any]) -> str:
        try:
            if agent is None:
                added = await records.add_agent(
                    values["username"],
                    role=values["role"],
                    team=values["team"].strip() or None,
                    departments=_names(values["departments"]),
                    display_name=values["display_name"].strip() or None,
                    email=values["email"].strip() or None,
                )
                return f"Added {added.username} ({added.role})."
            if values.get("deactivate") and agent.username == records.actor.username:
                raise FieldError("deactivate", "You cannot deactivate yourself; ask another admin.")
            await records.edit_agent(
                agent.username,
                role=values["role"],
                team=values["team"],
                display_name=values["display_name"],
                email=values["email"],
                departments=_names(values["departments"]),
            )
            if values.get("deactivate"):
                await records.deactivate_agent(agent.username)
                return f"{agent.username} is deactivated: its history stays, it can no longer act."
            return f"Changed {agent.username}."
        except (BadValue, NotFound, Refused) as exc:
            raise _field_of(exc, words, None) from None

    title = "New agent" if agent is None else f"Edit agent {agent.username}"
    return FormScreen(title, fields, save)


def account_form(records: DeskRecords, account: AccountRecord | None) -> FormScreen:
    """Add an account, or change its coordinator, contract expiry and rates."""
    fields = []
    if account is None:
        fields.append(Field("name", "Account", required=True))
    fields += [
        Field(
            "coordinator",
            "Coordinator (an agent's username)",
            value=(account.coordinator or "") if account else "",
            help="empty for none",
        ),
        Field(
            "amc_expires",
            "AMC expires (YYYY-MM-DD)",
            value=str(account.amc_expires or "") if account else "",
            check=_problem(parse_day),
            help="renewing the contract lets the account's open tickets past the AMC gate",
        ),
    ]
    if account is not None:
        fields += [
            Field(
                "hourly_rate",
                "Hourly rate",
                value=account.hourly_rate or "",
                check=_problem(lambda t: money_cents(t, "an hourly rate")),
                help="empty for the desk's rate",
            ),
            Field(
                "ticket_price",
                "Price per ticket",
                value=account.ticket_price or "",
                check=_problem(lambda t: money_cents(t, "a ticket price")),
                help="empty for the desk's price",
            ),
        ]
    words = {"agent": "coordinator", "already an account": "name"}

    async def save(values: dict[str, Any]) -> str:
        expires = parse_day(values["amc_expires"]) if values["amc_expires"].strip() else None
        try:
            if account is None:
                await records.add_account(
                    values["name"],
                    coordinator=values["coordinator"].strip() or None,
                    amc_expires=expires,
                )
                return f"Added account {values['name'].strip()}."
            # Only what was changed is given: an expiry left as it was renews nothing.
            changes: dict[str, Any] = {}
            if (values["coordinator"].strip() or None) != account.coordinator:
                changes["coordinator"] = values["coordinator"].strip() or None
            if expires != account.amc_expires:
                changes["amc_expires"] = expires
            for name, what in (
                ("hourly_rate", "an hourly rate"),
                ("ticket_price", "a ticket price"),
            ):
                typed = values[name].strip() or None
                if typed != getattr(account, name):
                    changes[f"{name}_cents"] = money_cents(typed, what) if typed else None
            if not changes:
                return f"Nothing changed in {account.name}."
            assert KEEP not in changes.values()
            await records.edit_account(account.name, **changes)
            return f"Changed account {account.name}."
        except (BadValue, NotFound, Refused) as exc:
            raise _field_of(exc, words, None) from None

    title = "New account" if account is None else f"Edit account {account.name}"
    return FormScreen(title, fields, save)


def contact_form(records: DeskRecords, contact: ContactListed) -> FormScreen:
    """Change a contact's name, email, phone and account."""
    fields = [
        Field("name", "Name", value=contact.name, required=True),
        Field("email", "Email", value=contact.email or "", check=_problem(_email)),
        Field("phone", "Phone", value=contact.phone or ""),
        Field("account", "Account", value=contact.account or "", help="empty for none"),
    ]
    words = {"email": "email", "account": "account", "needs a name": "name"}

    async def save(values: dict[str, Any]) -> str:
        try:
            changed = await records.edit_contact(
                contact.email or contact.name,
                name=values["name"],
                email=values["email"],
                phone=values["phone"],
                account=values["account"],
            )
        except (BadValue, NotFound, Refused) as exc:
            raise _field_of(exc, words, None) from None
        return f"Changed contact {changed.name}."

    return FormScreen(f"Edit contact {contact.name}", fields, save)


def department_form(records: DeskRecords, department: DepartmentRecord | None) -> FormScreen:
    """Add a department, or change its address, mail settings, auto-close and
    auto-assignment."""
    if department is None:
        fields = [
            Field("name", "Department", required=True),
            Field("email", "Email", check=_problem(_email), help="the address it receives at"),
        ]

        async def add(values: dict[str, Any]) -> str:
            try:
                await records.add_department(
                    values["name"].strip(), email=values["email"].strip() or None
                )
            except (BadValue, Refused) as exc:
                raise _field_of(exc, {"already": "name"}, None) from None
            return f"Added department {values['name'].strip()}."

        return FormScreen("New department", fields, add)

    days = department.auto_close_days
    fields = [
        Field("email", "Email", value=department.email or "", check=_problem(_email)),
        Field("ack_enabled", "Send the acknowledgement", "checkbox", value=department.ack_enabled),
        Field(
            "ack_template",
            "Acknowledgement template",
            "text",
            value=department.ack_template or "",
            help="{number}, {subject}, {contact}, {department}; empty: the default",
        ),
        Field(
            "closing_template",
            "Closing-notice template",
            "text",
            value=department.closing_template or "",
            help="the same names; empty: the default",
        ),
        Field(
            "auto_close_days",
            "Auto-close after days waiting on the customer (-1: never)",
            value="" if days is None else str(days),
            check=_problem(_days),
            help="empty: the desk's setting",
        ),
        Field(
            "auto_assign",
            "Auto-assign new unassigned tickets",
            "select",
            value=department.auto_assign,
            options=[(m, m) for m in ASSIGN_MODES],
            required=True,
        ),
    ]
    words = {
        "address": "email",
        "auto-close": "auto_close_days",
        "auto-assign": "auto_assign",
    }

    async def save(values: dict[str, Any]) -> str:
        changes: dict[str, Any] = {}
        if values["email"].strip() != (department.email or ""):
            changes["email"] = values["email"].strip()
        if values["ack_enabled"] != department.ack_enabled:
            changes["ack_enabled"] = values["ack_enabled"]
        for name in ("ack_template", "closing_template"):
            typed = values[name]
            if typed != (getattr(department, name) or ""):
                if not typed.strip():
                    raise FieldError(
                        name, "A template needs some text; the default stays until one is set."
                    )
                changes[name] = typed
        typed_days = values["auto_close_days"].strip()
        if typed_days != ("" if days is None else str(days)):
            if not typed_days:
                raise FieldError("auto_close_days", "Give a number of days, or -1 for never.")
            changes["auto_close_days"] = int(typed_days)
        if values["auto_assign"] != department.auto_assign:
            changes["auto_assign"] = values["auto_assign"]
        if not changes:
            return f"Nothing changed in {department.name}."
        try:
            await records.edit_department(department.name, **changes)
        except (BadValue, NotFound, Refused) as exc:
            template = "ack_template" if "ack_template" in changes else "closing_template"
            raise _field_of(exc, {**words, "template": template}, None) from None
        return f"Changed department {department.name}."

    return FormScreen(f"Edit department {department.name}", fields, save)


def remove_department_form(
    records: DeskRecords, department: DepartmentRecord, others: Sequence[str]
) -> FormScreen:
    """Remove a department, asking where its tickets go."""
    fields = [
        Field(
            "move_to",
            "Its tickets go to",
            "select",
            value=None,
            options=[(name, name) for name in others],
            required=True,
            help=f"{department.open_tickets} open tickets, and its closed ones, move there; "
            "each move is in the ticket's history",
        )
    ]

    async def remove(values: dict[str, Any]) -> str:
        try:
            moved = await records.remove_department(department.name, move_to=values["move_to"])
        except (BadValue, NotFound, Refused) as exc:
            raise FieldError("move_to", str(exc)) from None
        return (
            f"Removed department {department.name}; {moved} tickets moved to {values['move_to']}."
        )

    return FormScreen(f"Remove department {department.name}", fields, remove)


class RecordsScreen(ReportsWorkerErrors, InConsole, Screen[None]):
    """The desk's records, one kind at a time, with a filter line above the table."""

    BINDINGS = bindings("RecordsScreen")

    def __init__(self, kind: str = "agents") -> None:
        super().__init__()
        self.kind = kind
        self.records = Records((), (), (), ())
        #: the records of the table's rows, in order (those the filter lets through)
        self.shown: list[Record] = []

    @property
    def desk(self) -> DeskRecords:
        queries = self.ctx.queries
        return DeskRecords(queries.db, queries.actor, self.ctx.clock)

    @property
    def is_admin(self) -> bool:
        return self.ctx.queries.actor.role is Role.ADMIN

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static("", id="records-sections")
        yield EditableInput(
            placeholder="filter: words in any column", select_on_focus=False, id="records-filter"
        )
        yield DataTable(id="records-table", cursor_type="row")
        yield Static("", id="records-hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#records-table", DataTable).focus()
        self.show_sections()
        self.load()

    @work(exclusive=True, group="records", exit_on_error=False)
    async def load(self, keep: str | None = None) -> None:
        """Read every kind of record, then show the current kind."""
        desk = self.desk
        self.records = Records(
            await desk.agents(),
            await desk.accounts(),
            await desk.contacts(),
            await desk.departments(),
        )
        self.fill(keep)

    # -- what the screen shows ---------------------------------------------------------

    def show_sections(self) -> None:
        line = Text(no_wrap=True, overflow="ellipsis")
        for index, kind in enumerate(KINDS, start=1):
            label = f" {index} {TITLES[kind]} "
            line.append(label, style="reverse bold" if kind == self.kind else "")
        self.query_one("#records-sections", Static).update(line)
        hint = Text(no_wrap=True, overflow="ellipsis", style="dim")

        def key(binding_id: str) -> str:
            return key_hint(self.app, binding_id)

        if self.is_admin:
            hint.append(f" enter/{key('records.edit')} edit · {key('records.add')} new")
            if self.kind in ("agents", "departments"):
                verb = "deactivate" if self.kind == "agents" else "remove"
                hint.append(f" · {key('records.remove')} {verb}")
        else:
            role = self.ctx.queries.actor.role.value
            hint.append(f" You read the records as a {role}; an admin changes them.")
        hint.append(f" · {key('records.filter')} filter · {key('records.next')} next section")
        self.query_one("#records-hint", Static).update(hint)

    def fill(self, keep: str | None = None) -> None:
        """The current kind's rows that the filter lets through; the cursor stays on the
        record named ``keep`` (or where it was)."""
        table: DataTable[str | Text] = self.query_one("#records-table", DataTable)
        was = table.cursor_row
        table.clear(columns=True)
        table.add_columns(*COLUMNS[self.kind])
        words = self.query_one("#records-filter", Input).value.lower().split()
        days = self.ctx.settings.auto_close_days
        self.shown = []
        for record in self.records.of(self.kind):
            shown = tuple(clean(cell, single_line=True) for cell in cells(self.kind, record, days))
            if matches(shown, words):
                table.add_row(*(Text(cell) for cell in shown))
                self.shown.append(record)
        if not self.shown:
            what = "matches the filter" if words else "is kept yet"
            table.add_row(Text(f"No {self.kind[:-1]} {what}.", style="dim"))
        names = [record_key(r) for r in self.shown]
        row = names.index(keep) if keep in names else min(was, max(len(names) - 1, 0))
        table.move_cursor(row=row, animate=False)

    @property
    def current(self) -> Record | None:
        row = self.query_one("#records-table", DataTable).cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    # -- keys --------------------------------------------------------------------------

    def action_section(self, index: int) -> None:
        self.kind = KINDS[index % len(KINDS)]
        self.show_sections()
        self.fill()

    def action_next_section(self, step: int) -> None:
        self.action_section(KINDS.index(self.kind) + step)

    def action_filter(self) -> None:
        self.query_one("#records-filter", Input).focus()

    @on(Input.Changed, "#records-filter")
    def filtered(self) -> None:
        self.fill()

    @on(Input.Submitted, "#records-filter")
    def to_table(self) -> None:
        self.query_one("#records-table", DataTable).focus()

    def action_back(self) -> None:
        if self.query_one("#records-filter", Input).has_focus:
            self.to_table()
            return
        self.dismiss()

    def action_refresh(self) -> None:
        self.load()

    def _may_change(self) -> bool:
        if self.is_admin:
            return True
        actor = self.ctx.queries.actor
        self.ctx.tell(
            "Changing the desk's records is for admins; you ({who}) are a {role}.",
            severity="warning",
            who=actor.username,
            role=actor.role.value,
        )
        return False

    @on(DataTable.RowSelected, "#records-table")
    def action_edit(self) -> None:
        record = self.current
        if record is None or not self._may_change():
            return
        desk = self.desk
        if isinstance(record, AgentRecord):
            form = agent_form(desk, record)
        elif isinstance(record, AccountRecord):
            form = account_form(desk, record)
        elif isinstance(record, ContactListed):
            form = contact_form(desk, record)
        else:
            form = department_form(desk, record)
        self._open(form, record_key(record))

    def action_add(self) -> None:
        if not self._may_change():
            return
        desk = self.desk
        if self.kind == "contacts":
            self.ctx.tell(
                "Contacts are added with their first ticket (by mail or a new ticket); "
                "here they are changed.",
                timeout=6,
            )
            return
        forms = {
            "agents": lambda: agent_form(desk, None),
            "accounts": lambda: account_form(desk, None),
            "departments": lambda: department_form(desk, None),
        }
        self._open(forms[self.kind](), None)

    def action_remove(self) -> None:
        record = self.current
        if self.kind not in ("agents", "departments"):
            self.ctx.tell(
                "Only agents are deactivated and departments removed; {what} stay.",
                what=TITLES[self.kind].lower(),
                timeout=5,
            )
            return
        if record is None or not self._may_change():
            return
        if isinstance(record, AgentRecord):
            self._deactivate(record)
        elif isinstance(record, DepartmentRecord):
            others = [d.name for d in self.records.departments if d.name != record.name]
            if not others:
                self.ctx.tell(
                    "{name} is the last department; a desk needs one.",
                    severity="warning",
                    name=record.name,
                )
                return
            self._open(remove_department_form(self.desk, record, others), None)

    def _deactivate(self, agent: AgentRecord) -> None:
        if not agent.active:
            self.ctx.tell("{name} is deactivated already.", name=agent.username)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_deactivate(agent.username)

        self.app.push_screen(
            ConfirmScreen(
                f"Deactivate {agent.username}? Its history and its name on tickets stay; "
                "it can no longer act."
            ),
            answered,
        )

    @work(group="records-change", exit_on_error=False)
    async def run_deactivate(self, username: str) -> None:
        await self.desk.deactivate_agent(username)
        self.ctx.tell(
            "{name} is deactivated: its history stays, it can no longer act.", name=username
        )
        self.load(username)

    def _open(self, form: FormScreen, keep: str | None) -> None:
        def done(said: str | None) -> None:
            if said:
                self.ctx.tell("{said}", said=said)
                self.load(keep)

        self.app.push_screen(form, done)
