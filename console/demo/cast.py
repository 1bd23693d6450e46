"""The demo's cast: its staff, departments, customer accounts and contacts.

The tables say who is there; ``Cast`` makes the directory's rows from them, drawing the
customers (their names, phones, contracts) from the build's random sequence.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from console.data import history
from console.data.workflow import Role
from console.demo.draw import cumulative
from console.demo.times import DAY, Times

#: Where the staff and the departments get their mail.
STAFF_DOMAIN = "support.example.com"

#: (team, departments it works, lead, agents); people are (username, display name).
TEAMS: tuple[tuple[str, tuple[str, ...], tuple[str, str], tuple[tuple[str, str], ...]], ...] = (
    (
        "Billing",
        ("Billing", "Sales EU"),
        ("maya", "Maya Patel"),
        (("omar", "Omar Haddad"), ("lucia", "Lucia Ferrari"), ("jonas", "Jonas Berg")),
    ),
    (
        "Network",
        ("Network",),
        ("daniel", "Daniel Okafor"),
        (("sara", "Sara Lindqvist"), ("kenji", "Kenji Watanabe"), ("ines", "Inès Duarte")),
    ),
    (
        "Hosting",
        ("Hosting",),
        ("elena", "Elena Novak"),
        (("tom", "Tom Brennan"), ("aisha", "Aisha Rahman"), ("felix", "Felix Wagner")),
    ),
)
#: The one admin: (username, display name).
ADMIN = ("admin", "Help Desk Admin")

#: (department, share of the tickets)
DEPARTMENTS: tuple[tuple[str, float], ...] = (
    ("Billing", 0.30),
    ("Network", 0.30),
    ("Hosting", 0.28),
    ("Sales EU", 0.12),
)

#: Auto-replies; {contact}, {number}, {subject} and {department} are filled in when sent.
ACK_TEMPLATE = (
    "Hello {contact},\n\n"
    "Thank you for contacting {department} support. Your request has been logged as "
    "ticket #{number} ({subject}). An agent will get back to you shortly; please keep "
    "the ticket number in the subject line of any reply.\n\n"
    "{department} Support"
)
CLOSING_TEMPLATE = (
    "Hello {contact},\n\n"
    "Ticket #{number} ({subject}) has been resolved and closed. If the problem comes back, "
    "simply reply to this message and the ticket will be reopened.\n\n"
    "Thank you for your patience,\n{department} Support"
)

# fmt: off
#: (name, mail domain)
ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("Acme Logistics", "acme-logistics.example"), ("Northwind Traders", "northwind.example"),
    ("Blue Harbor Foods", "blueharbor.example"), ("Kestrel Energy", "kestrel-energy.example"),
    ("Orchid Dental Group", "orchiddental.example"),
    ("Granite Peak Construction", "granitepeak.example"),
    ("Lumen Architects", "lumen-arch.example"), ("Silverline Insurance", "silverline.example"),
    ("Tidewater Marine", "tidewater.example"), ("Maple & Finch Legal", "maplefinch.example"),
    ("Redwood Analytics", "redwood-analytics.example"), ("Cobalt Retail", "cobalt-retail.example"),
    ("Harbour City Council", "harbourcity.example"),
    ("Vega Pharmaceuticals", "vegapharma.example"), ("Quill Publishing", "quill.example"),
    ("Alpine Travel", "alpinetravel.example"), ("Brightwater Schools", "brightwater.example"),
    ("Helios Solar", "helios-solar.example"),
    ("Ironbridge Manufacturing", "ironbridge.example"), ("Saffron Hotels", "saffronhotels.example"),
)
#: Accounts whose support contract (AMC) has ended, and customers with no account.
EXPIRED_ACCOUNTS = 4
INDIVIDUALS = 12

#: Customers' first names.
FIRST_NAMES = (
    "James", "Olivia", "Liam", "Emma", "Noah", "Sophie", "Lucas", "Mia", "Ethan", "Chloe",
    "Hannah", "Marco", "Julia", "Pierre", "Anna", "Tobias", "Elif", "Mateo", "Grace", "Ravi",
    "Freya", "Samuel", "Nadia", "Victor", "Clara", "Hugo", "Leila", "Oscar", "Zoe", "Adam",
    "Ingrid", "Pablo", "Yasmin", "Niklas", "Ruth", "Ahmed", "Carmen", "Dmitri", "Alice", "Ben",
)
#: (as written, as in an email address)
LAST_NAMES = (
    ("Smith", "smith"), ("Jones", "jones"), ("Müller", "mueller"), ("Rossi", "rossi"),
    ("Dubois", "dubois"), ("García", "garcia"), ("Kowalski", "kowalski"),
    ("Jensen", "jensen"), ("O'Brien", "obrien"), ("Schmidt", "schmidt"), ("Moreau", "moreau"),
    ("Silva", "silva"), ("Nowak", "nowak"), ("Brown", "brown"), ("Taylor", "taylor"),
    ("Fischer", "fischer"), ("Bianchi", "bianchi"), ("Lambert", "lambert"),
    ("Santos", "santos"), ("Eriksson", "eriksson"), ("Clarke", "clarke"), ("Weber", "weber"),
    ("Ricci", "ricci"), ("Martin", "martin"), ("Hughes", "hughes"), ("Costa", "costa"),
    ("Hansen", "hansen"), ("Wright", "wright"), ("Keller", "keller"), ("Marino", "marino"),
    ("Fontaine", "fontaine"), ("Walsh", "walsh"), ("Becker", "becker"), ("López", "lopez"),
)
#: Where customers without an account have their mail.
MAIL_HOSTS = ("mail.example", "post.example", "inbox.example")
# fmt: on


@dataclass(frozen=True, slots=True)
class Person:
    """An agent of the demo's staff."""

    id: int
    username: str
    display_name: str
    role: str
    team: int | None  # index into TEAMS


@dataclass(frozen=True, slots=True)
class Customer:
    """A contact who raises tickets, of an account or on their own."""

    id: int
    name: str
    first: str
    email: str | None
    phone: str | None
    account: int | None  # account id


class Cast:
    """The staff, departments, accounts and contacts of one build, as the tickets need
    them.  Made once, before the tickets; the customers take the first draws of ``rng``."""

    def __init__(self, rng: random.Random, times: Times) -> None:
        self.rng = rng
        self._staff()
        self._customers(times)

    # -- people and departments (no chance involved)

    def _staff(self) -> None:
        people = [Person(1, ADMIN[0], ADMIN[1], Role.ADMIN.value, None)]
        self.leads: list[int] = []
        self.members: list[list[int]] = []
        for team, (_name, _departments, lead, agents) in enumerate(TEAMS):
            ids = []
            for role, (username, display) in [
                (Role.LEAD.value, lead),
                *((Role.AGENT.value, a) for a in agents),
            ]:
                people.append(Person(len(people) + 1, username, display, role, team))
                ids.append(len(people))
            self.leads.append(ids[0])
            self.members.append(ids)
        self.people = people
        self.admin = people[0].id
        self.names = {p.id: p.username for p in people}
        self.display = {p.id: p.display_name for p in people}
        self.default_agent = self.names[self.leads[0]]  # the Billing lead
        self.departments = [name for name, _ in DEPARTMENTS]
        self.department_cum = cumulative([share for _, share in DEPARTMENTS])
        self.department_team = [
            next(i for i, team in enumerate(TEAMS) if name in team[1]) for name in self.departments
        ]
        # Who may own a department's tickets: its team, agents three times as often as
        # their lead, who mostly hands work out.
        self.owner_pool = [
            [m for m in self.members[team] for _ in range(1 if m == self.leads[team] else 3)]
            for team in self.department_team
        ]

    # -- accounts and contacts

    def _customers(self, times: Times) -> None:
        rng = self.rng
        today = times.now // DAY
        expired = set(rng.sample(range(len(ACCOUNTS)), EXPIRED_ACCOUNTS))
        coordinators = [p.id for p in self.people if p.role != Role.ADMIN.value]
        rng.shuffle(coordinators)
        self.accounts: list[dict[str, Any]] = []
        self.expiry_day: dict[int, int] = {}
        self.expires: dict[int, date] = {}
        #: What history says when a ticket comes in on the account after its contract
        #: ended: the same sentence for every such ticket, so made once per account.
        self.expired_note: dict[int, str] = {}
        self.domain: dict[int, str] = {}
        self.account_name: dict[int, str] = {}
        for i, (name, domain) in enumerate(ACCOUNTS):
            account = i + 1
            days = -rng.randint(20, 150) if i in expired else rng.randint(30, 540)
            self.expiry_day[account] = today + days
            self.expires[account] = times.day(today + days)
            self.expired_note[account] = history.amc_expired(name, self.expires[account])
            self.domain[account] = domain
            self.account_name[account] = name
            self.accounts.append(
                {
                    "id": account,
                    "name": name,
                    "coordinator_id": coordinators[i % len(coordinators)],
                    "amc_expires": self.expires[account],
                }
            )
        used: set[str] = set()
        self.customers: list[Customer] = []
        self.contacts_of: dict[int, list[Customer]] = {}
        for account, domain in self.domain.items():
            for _ in range(rng.choice((2, 3, 3, 4))):
                first, last, mail = self._new_name(used)
                customer = Customer(
                    len(self.customers) + 1, f"{first} {last}", first,
                    f"{first.lower()}.{mail}@{domain}", self._phone(), account,
                )  # fmt: skip
                self.customers.append(customer)
                self.contacts_of.setdefault(account, []).append(customer)
        self.individuals: list[Customer] = []
        for _ in range(INDIVIDUALS):
            first, last, mail = self._new_name(used)
            email = (
                f"{first.lower()}.{mail}{rng.randint(1, 99)}@{rng.choice(MAIL_HOSTS)}"
                if rng.random() < 0.85
                else None
            )
            customer = Customer(
                len(self.customers) + 1, f"{first} {last}", first, email, self._phone(), None
            )
            self.customers.append(customer)
            self.individuals.append(customer)
        # A few big customers raise most of the tickets.
        self.busiest = list(self.domain)
        rng.shuffle(self.busiest)
        self.busiest_cum = cumulative([1 / (k + 1) ** 0.8 for k in range(len(self.busiest))])

    def _new_name(self, used: set[str]) -> tuple[str, str, str]:
        while True:
            first = self.rng.choice(FIRST_NAMES)
            last, mail = self.rng.choice(LAST_NAMES)
            if f"{first} {last}" not in used:
                used.add(f"{first} {last}")
                return first, last, mail

    def _phone(self) -> str | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.1:
            return None
        if roll < 0.55:
            return f"+44 20 7946 0{rng.randint(0, 999):03d}"  # Ofcom's range for drama
        if roll < 0.8:
            return f"+353 20 91{rng.randint(0, 99999):05d}"
        return f"+1 555 01{rng.randint(0, 99):02d}"  # 555-0100..0199: fictitious
