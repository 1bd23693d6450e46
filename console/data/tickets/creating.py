"""Creating tickets: the next number, the contact found or created, the account, the
department, the SLA due time and the AMC gate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from console.data import history
from console.data.errors import BadValue
from console.data.models import Account, Contact, Counter, Department, Ticket, agent_departments
from console.data.outbox import ACKNOWLEDGEMENT, Inbound
from console.data.records import TicketRecord, channel_name, looks_like_email, priority_rank
from console.data.tickets.auto_assign import auto_assign
from console.data.tickets.checks import aware, checked
from console.data.tickets.frame import _Action
from console.data.tickets.mailing import Mailing
from console.data.workflow import AmcState, Status, TicketFacts

FIRST_TICKET_NUMBER = 1001


class Creating(Mailing):
    """Opening a ticket."""

    async def create(
        self,
        *,
        subject: str,
        contact_name: str,
        contact_email: str | None = None,
        contact_phone: str | None = None,
        account: str | None = None,
        description: str = "",
        priority: str = "Medium",
        channel: str = "Email",
        department: str | None = None,
        category: str | None = None,
        subcategory: str | None = None,
        product: str | None = None,
        due: datetime | None = None,
        acknowledge: bool | None = False,
        answering: Inbound | None = None,
    ) -> TicketRecord:
        """Open a ticket: next number, contact found or created, account from the contact,
        SLA due time from the priority, and the AMC gate applied.  ``acknowledge`` sends
        the department's acknowledgement to the contact (``answering``: the facts of the
        mail the ticket was made from, which the loop rules check); None: the default of a
        ticket an agent opens (a phone call), yes when the contact has an address.  A
        department that sends no acknowledgement (``--no-ack``) sends none either way."""
        if not subject.strip():
            raise BadValue("A ticket needs a subject.")
        if not contact_name.strip():
            raise BadValue("A ticket needs the contact's name.")
        if contact_email is not None and not looks_like_email(contact_email):
            raise BadValue(f"{contact_email!r} is not an email address (name@example.com).")
        rank = checked(priority_rank, priority)
        channel = checked(channel_name, channel)
        aware(due, "due time")
        now = self.clock()
        async with self.db.write() as session:
            dept = await find_department(session, department) if department else None
            if dept is None:
                # No department named: the creator's first one (None when they have none).
                dept_id = (
                    await session.execute(
                        select(func.min(agent_departments.c.department_id)).where(
                            agent_departments.c.agent_id == self.actor.id
                        )
                    )
                ).scalar()
            else:
                dept_id = dept.id
            acct = await find_account(session, account) if account else None
            contact, acct = await contact_and_account(
                session, contact_name.strip(), contact_email, contact_phone, acct
            )
            expired = amc_expired(acct, now)
            number = await allocate_number(session)
            ticket = new_ticket(
                number,
                subject=subject,
                description=description,
                rank=rank,
                channel=channel,
                department_id=dept_id,
                contact_id=contact.id,
                account=acct,
                creator_id=self.actor.id,
                now=now,
                due=due or now + self.sla[rank],
                category=category,
                subcategory=subcategory,
                product=product,
            )
            session.add(ticket)
            await session.flush()
            act = _Action(session, ticket, _facts_of_new(ticket))
            self._event(act, history.CREATE, None, None, subject)
            if expired and acct is not None:
                self._event(
                    act,
                    history.AMC,
                    "amc_state",
                    None,
                    history.amc_expired(acct.name, acct.amc_expires),
                )
            assigned = await auto_assign(session, self.mail, ticket, now)
            if assigned:
                act.events.append(assigned)
            if acknowledge is None:
                acknowledge = bool(contact.email)
            elif acknowledge and not contact.email:
                raise BadValue(
                    "The acknowledgement needs the contact's email address: add it, or "
                    "send no acknowledgement."
                )
            if acknowledge:
                await self._notice(act, ACKNOWLEDGEMENT, answering)
            # ``touch=False``: the new row already carries its times and version 1.
            await self._finish(act, touch=False)
            return await self._answer(session, number)


def amc_expired(account: Account | None, now: datetime) -> bool:
    """Whether a new ticket of this account meets the AMC gate (its contract expired)."""
    return (
        account is not None
        and account.amc_expires is not None
        and (account.amc_expires < now.date())
    )


def new_ticket(
    number: int,
    *,
    subject: str,
    description: str,
    rank: int,
    channel: str,
    department_id: int | None,
    contact_id: int | None,
    account: Account | None,
    creator_id: int | None,
    now: datetime,
    due: datetime,
    category: str | None = None,
    subcategory: str | None = None,
    product: str | None = None,
) -> Ticket:
    """A new ticket row (New, unowned, version 1), by an agent or by mail."""
    return Ticket(
        number=number,
        subject=subject,
        description=description,
        status=Status.NEW.value,
        priority=rank,
        channel=channel,
        department_id=department_id,
        category=category,
        subcategory=subcategory,
        product=product,
        contact_id=contact_id,
        account_id=account.id if account else None,
        owner_id=None,
        creator_id=creator_id,
        due_at=due,
        sticky=False,
        created_at=now,
        updated_at=now,
        amc_state=(AmcState.EXPIRED if amc_expired(account, now) else AmcState.OK).value,
        version=1,
    )


def _facts_of_new(ticket: Ticket) -> TicketFacts:
    """What the workflow knows of a ticket just created (nothing to load yet)."""
    return TicketFacts(ticket.number, Status.NEW, None, None, ticket.creator_id)


async def allocate_number(session: AsyncSession, count: int = 1) -> int:
    """Reserve ``count`` ticket numbers and return the first; numbers are never reused."""
    result = await session.execute(
        update(Counter)
        .where(Counter.name == "ticket_number")
        .values(next_value=Counter.next_value + count)
        .returning(Counter.next_value)
    )
    after = result.scalar_one_or_none()
    if after is not None:
        return int(after) - count
    highest = (await session.execute(select(func.max(Ticket.number)))).scalar()
    first = max(FIRST_TICKET_NUMBER, (highest or 0) + 1)
    session.add(Counter(name="ticket_number", next_value=first + count))
    await session.flush()
    return first


class NumberBlock:
    """Ticket numbers for one transaction that may make many tickets (a mail import's
    batch): up to ``most`` are reserved with one statement when the first is needed, and
    ``settle`` hands back those not used.  The counter's row stays locked by the
    transaction from the reservation to its commit, so nobody else takes a number in
    between, and numbers are neither reused nor skipped."""

    def __init__(self, session: AsyncSession, most: int) -> None:
        self.session = session
        self.most = max(1, most)
        self.next: int | None = None
        self.end = 0

    async def take(self) -> int:
        if self.next is None:
            self.next = await allocate_number(self.session, self.most)
            self.end = self.next + self.most
        if self.next >= self.end:
            raise RuntimeError("more tickets than the numbers reserved for them")
        number = self.next
        self.next += 1
        return number

    async def settle(self) -> None:
        """Give the unused numbers back (the counter then names the next unused one)."""
        if self.next is not None and self.next < self.end:
            await self.session.execute(
                update(Counter).where(Counter.name == "ticket_number").values(next_value=self.next)
            )
            self.end = self.next


async def find_department(session: AsyncSession, name: str) -> Department:
    """The department by name in any case; BadValue lists the departments there are."""
    dept = (
        await session.execute(
            select(Department).where(func.lower(Department.name) == name.strip().lower())
        )
    ).scalar_one_or_none()
    if dept is None:
        names = (await session.execute(select(Department.name).order_by(Department.name))).scalars()
        raise BadValue(f"No department {name!r}; departments: {', '.join(names) or 'none yet'}.")
    return dept


async def department_name(session: AsyncSession, dept_id: int | None) -> str | None:
    """A department's name by id (``None`` for none)."""
    if dept_id is None:
        return None
    return (
        await session.execute(select(Department.name).where(Department.id == dept_id))
    ).scalar_one_or_none()


async def find_account(session: AsyncSession, name: str) -> Account:
    """The account by name in any case; BadValue says who adds accounts."""
    acct = (
        await session.execute(
            select(Account).where(func.lower(Account.name) == name.strip().lower())
        )
    ).scalar_one_or_none()
    if acct is None:
        raise BadValue(
            f"No account {name!r}; an admin adds accounts (`agent-console account add`)."
        )
    return acct


async def contact_and_account(
    session: AsyncSession,
    name: str,
    email: str | None,
    phone: str | None,
    account: Account | None,
    *,
    known: tuple[Contact | None] | None = None,
) -> tuple[Contact, Account | None]:
    """The contact these details name, created when new, and the ticket's account: the
    one named, else the contact's.  ``known``: the contact the caller looked up already
    (mail intake, for a whole batch at once), in a 1-tuple; ``(None,)``: there is none."""
    if known is not None:
        contact = known[0]
    else:
        contact = await find_contact(session, name, email, phone, account)
    if contact is None:
        contact = Contact(
            name=name, email=email, phone=phone, account_id=account.id if account else None
        )
        session.add(contact)
        await session.flush()
    if account is None and contact.account_id is not None:
        account = (
            await session.execute(select(Account).where(Account.id == contact.account_id))
        ).scalar_one()
    return contact, account


async def find_contact(
    session: AsyncSession,
    name: str,
    email: str | None,
    phone: str | None,
    account: Account | None,
) -> Contact | None:
    """The existing contact these details name: same email, else same name and phone or
    account.  ``None`` when the details are new."""
    if email:
        found = (
            await session.execute(
                select(Contact).where(func.lower(Contact.email) == email.lower()).limit(1)
            )
        ).scalar_one_or_none()
        if found is not None:
            return found
        return None
    stmt = select(Contact).where(func.lower(Contact.name) == name.lower())
    if phone:
        stmt = stmt.where(Contact.phone == phone)
    elif account is not None:
        stmt = stmt.where(Contact.account_id == account.id)
    else:
        return None
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()
