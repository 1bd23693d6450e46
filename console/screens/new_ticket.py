"""The new-ticket form (ctrl+n): contact completion, the contact's details and account
filled in when an existing contact is chosen, and whether to acknowledge the ticket to the
contact by mail (yes by default when the contact has an address and the department sends
acknowledgements; the agent's own choice stands once made)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import App
from textual.widgets import Checkbox, Input, Select

from console.context import ConsoleContext
from console.data.records import (
    CHANNELS,
    PRIORITIES,
    ContactRecord,
    TicketRecord,
    looks_like_email,
)
from console.safe import clean
from console.screens.form import Field, FieldError, FormScreen, Submit
from console.widgets.completion import ContactSuggester


def priority_field(value: str) -> Field:
    """The priority of a ticket, as a choice."""
    options = [(p, p) for p in PRIORITIES.values()]
    return Field("priority", "Priority", "select", value, required=True, options=options)


def channel_field(value: str) -> Field:
    """The channel a ticket came in by, as a choice."""
    options = [(c, c) for c in CHANNELS]
    return Field("channel", "Channel", "select", value, required=True, options=options)


def department_field(value: str | None, departments: list[str]) -> Field:
    """The department (queue) of a ticket, as a choice."""
    return Field("department", "Department", "select", value, options=[(d, d) for d in departments])


ACKNOWLEDGE = "acknowledge"
ACKNOWLEDGE_LABEL = "Acknowledge to the contact by mail"
ACKNOWLEDGE_HELP = "The department's acknowledgement, with the ticket number."


def new_ticket_fields(
    lookup: ContactSuggester,
    accounts: list[str],
    departments: list[str],
    department: str | None,
) -> list[Field]:
    """The fields of a new ticket, in the order a caller's details are taken down."""
    return [
        Field("subject", "Subject", required=True),
        Field(
            "contact_name",
            "Contact name (tab completes known contacts)",
            required=True,
            suggester=lookup,
        ),
        Field(
            "contact_email",
            "Contact email",
            check=lambda v: (
                None if looks_like_email(v) else "An email looks like name@example.com."
            ),
        ),
        Field("contact_phone", "Contact phone"),
        Field(
            "account",
            "Account (filled from a known contact)",
            "select",
            None,
            options=[(a, a) for a in accounts],
        ),
        priority_field("Medium"),
        channel_field("Phone"),
        department_field(department, departments),
        Field(ACKNOWLEDGE, ACKNOWLEDGE_LABEL, "checkbox", False, help=ACKNOWLEDGE_HELP),
        Field("category", "Category"),
        Field("subcategory", "Subcategory"),
        Field("product", "Product"),
        Field("description", "Description", "text"),
    ]


class NewTicketScreen(FormScreen):
    """A new ticket; choosing a known contact fills its email, phone and account."""

    def __init__(
        self,
        submit: Submit,
        find: Any,
        accounts: list[str],
        departments: list[str],
        department: str | None,
        acknowledging: set[str] | None = None,
    ) -> None:
        self.find = find
        self.known: dict[str, ContactRecord] = {}
        #: the departments that send acknowledgements (None: every one)
        self.acknowledging = acknowledging
        #: the acknowledgement box's default now; once the agent ticks it otherwise, it
        #: stays as they left it
        self.ack_default = False
        self.ack_chosen = False

        async def names(prefix: str) -> list[str]:
            found: list[ContactRecord] = await self.find(prefix)
            for contact in found:
                # The Input shows the name cleaned (the suggester's), so it is known so.
                self.known[clean(contact.name, single_line=True).lower()] = contact
            return [c.name for c in found]

        super().__init__(
            "New ticket",
            new_ticket_fields(ContactSuggester(names), accounts, departments, department),
            submit,
        )

    def acknowledges(self, department: object) -> bool:
        """Whether ``department`` sends acknowledgements."""
        return self.acknowledging is None or department in self.acknowledging or not department

    def ack_problem(self, values: dict[str, Any]) -> str | None:
        """Why the acknowledgement cannot be sent as the form stands, or None."""
        if not values.get(ACKNOWLEDGE):
            return None
        if not (values.get("contact_email") or "").strip():
            return "The acknowledgement needs the contact's email address: add it, or untick."
        if not self.acknowledges(values.get("department")):
            name = values.get("department")
            return (
                f"{name} sends no acknowledgement (`agent-console department edit "
                f"{name} --ack` turns it on); untick to create the ticket."
            )
        return None

    def on_mount(self) -> None:
        # Before the form's own on_mount (Textual calls it next) takes what it starts with.
        self.follow_default()

    @on(Input.Changed, "#field-contact_email")
    @on(Select.Changed, "#field-department")
    def follow_default(self) -> None:
        """Yes when the contact has an address and the department acknowledges."""
        email = self.query_one("#field-contact_email", Input).value.strip()
        department = self.query_one("#field-department", Select).value
        self.ack_default = looks_like_email(email) and self.acknowledges(
            None if department is Select.NULL else department
        )
        if not self.ack_chosen:
            self.query_one(f"#field-{ACKNOWLEDGE}", Checkbox).value = self.ack_default

    @on(Checkbox.Changed, f"#field-{ACKNOWLEDGE}")
    def ack_ticked(self, event: Checkbox.Changed) -> None:
        if event.value != self.ack_default:
            self.ack_chosen = True

    @on(Input.Changed, "#field-contact_name")
    def fill_from_contact(self, event: Input.Changed) -> None:
        contact = self.known.get(event.value.strip().lower())
        if contact is None:
            return
        email = self.query_one("#field-contact_email", Input)
        phone = self.query_one("#field-contact_phone", Input)
        if not email.value and contact.email:
            email.value = clean(contact.email, single_line=True)
        if not phone.value and contact.phone:
            phone.value = clean(contact.phone, single_line=True)
        account = self.query_one("#field-account", Select)
        if contact.account and account.value is Select.NULL:
            account.value = contact.account


async def open_new_ticket(ctx: ConsoleContext, app: App[Any], created: Callable[[], Any]) -> None:
    """Read what the new-ticket form offers (accounts, departments, the agent's own
    department first), open it, and say which number the ticket got."""
    accounts, departments, agents, acknowledging = await asyncio.gather(
        ctx.queries.accounts(),
        ctx.queries.departments(),
        ctx.queries.agents(),
        ctx.queries.acknowledging(),
    )
    mine = next((a for a in agents if a.username == ctx.actor_name), None)
    department = mine.departments[0] if mine and mine.departments else None

    async def create(values: dict[str, Any]) -> TicketRecord:
        problem = screen.ack_problem(values)
        if problem:
            raise FieldError(ACKNOWLEDGE, problem)
        return await ctx.service.create(
            subject=values["subject"],
            contact_name=values["contact_name"],
            contact_email=values["contact_email"] or None,
            contact_phone=values["contact_phone"] or None,
            account=values["account"],
            description=values["description"],
            priority=values["priority"],
            channel=values["channel"],
            department=values["department"],
            category=values["category"] or None,
            subcategory=values["subcategory"] or None,
            product=values["product"] or None,
            acknowledge=bool(values[ACKNOWLEDGE]),
        )

    def done(record: TicketRecord | None) -> None:
        if record is not None:
            ctx.tell("Created #{number}.", number=record.number)
            created()

    screen = NewTicketScreen(
        create, ctx.queries.contacts, accounts, departments, department, acknowledging
    )
    await app.push_screen(screen, done)
