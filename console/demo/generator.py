"""The demo's tickets, made from one random sequence: each ticket's fields and its life's
rows (history, conversation, approvals, resolution, activities, time, attachments).

The rows are those the ticket services would have written had agents worked the ticket:
the same event actions, fields and values, in the history's own vocabulary
(``console.data.history``, the workflow's action ids and statuses), so the History tab,
the reports and ``audit verify`` read a demo like any desk.
"""

from __future__ import annotations

import bisect
import hashlib
import random
from collections.abc import Callable
from typing import Any

from console.data import history
from console.data.actions import Action
from console.data.records import CHANNELS, default_sla
from console.data.tickets import FIRST_TICKET_NUMBER
from console.data.workflow import AmcState
from console.demo.cast import Cast, Customer
from console.demo.draw import cumulative, pick
from console.demo.files import attachment
from console.demo.life import (
    ACTIVITY,
    AMC_EXCEPTION,
    APPROVED,
    ASSIGN,
    ATTACH,
    CLOSE,
    CLOSED,
    COMMENT,
    CUSTOMER_WRITES,
    DECIDE,
    DONE,
    IN_PROGRESS,
    LOG_TIME,
    NEW,
    NOTE,
    OPEN,
    OPEN_CUM,
    OWN,
    REOPEN,
    REOPENED,
    REPLY,
    REQUEST,
    SCHEDULE,
    SCHEDULED,
    START,
    STATUSES,
    STICKY,
    Life,
    Step,
    amc_steps,
    extras,
    stages,
    when,
)
from console.demo.phrases import (
    AMC_EXCEPTION_APPROVED,
    AMC_EXCEPTION_DETAILS,
    AMC_EXCEPTION_REJECTED,
    AMC_EXCEPTION_SUBJECT,
    APPROVALS,
    APPROVE_COMMENTS,
    ASKS,
    COMMENTS,
    CUSTOMER_MESSAGES,
    DETAILS,
    EVIDENCE,
    NOTES,
    REJECT_COMMENTS,
    REOPEN_MESSAGES,
    REPLIES,
    SIGNOFFS,
    TIME_NOTES,
)
from console.demo.rows import TABLES, Batch
from console.demo.times import DAY, HISTORY_DAYS, HOUR, Times
from console.demo.topics import HOSTS, PRODUCTS, SITES, TOPICS, Slots, Topic

#: The newest tickets get the full set of extras (conversation, approvals, time log ...);
#: older ones only every ``RICH_EVERY``-th, so that a million tickets stay fast to build.
RICH_NEWEST = 2000
RICH_EVERY = 50

_CHANNEL_CUM = cumulative([0.40, 0.18, 0.20, 0.12, 0.04, 0.03, 0.03])

# The words of history, made once from the shared vocabulary as plain strings (millions
# of events are written, and the audit hash reads every value).
_AGENT = history.AGENT
_CUSTOMER_ACTOR = history.CUSTOMER_ACTOR
_CREATE = history.CREATE
_AMC = history.AMC
_CUSTOMER = history.CUSTOMER
_PUBLISH = history.PUBLISH
_KNOWLEDGE_BASE = history.KNOWLEDGE_BASE
_RESOLUTION = Action.SET_RESOLUTION.value
_EDIT = Action.EDIT.value
#: The fields of the ticket's columns an event names, as the services name them.
_OWNER = history.field_label("owner_id")
_SCHEDULED_AT = history.field_label("scheduled_at")
_STATUS = history.field_label("status")
_CLOSED_AT = history.field_label("closed_at")
_AMC_STATE = history.field_label("amc_state")
_STICKY = history.field_label("sticky")
_YES, _NO = history.shown(True), history.shown(False)
_EXPIRED = AmcState.EXPIRED.value
_EXCEPTION = AmcState.EXCEPTION.value
# Words the services also write, spelled there as literals (no shared name yet): the
# field of a decision (the approval it decides) and of a resolution, a customer's
# message kind, a waiting approval's state, and the reply that sends a resolution.
_APPROVAL_FIELD = "approval"
_RESOLUTION_FIELD = "resolution"
_CUSTOMER_MESSAGE = "customer"
_PENDING = "pending"
_RESOLUTION_REPLY = "Resolution:\n{body}"


class Generator:
    """Makes the demo's rows from one ``random.Random``; the call order fixes the result,
    so everything is drawn in one fixed sequence: cast, customers, then ticket by ticket."""

    def __init__(self, rng: random.Random, times: Times, tickets: int) -> None:
        self.rng = rng
        self.times = times
        self.total = tickets
        #: Rows generated so far, by table.
        self.counts = {table: 0 for table, _ in TABLES}
        self._next_message = 1
        self._next_approval = 1
        self._seen = dict.fromkeys(STATUSES, 0)
        # Due times as the services set them: the default SLA, in seconds.
        self.sla = {rank: int(due.total_seconds()) for rank, due in default_sla().items()}
        self.cast = Cast(rng, times)
        self.department_topics = [
            [t for t in TOPICS if t.department == name] for name in self.cast.departments
        ]
        self._arrivals()

    # -- when tickets arrive: mostly in office hours on weekdays

    def _arrivals(self) -> None:
        times = self.times
        start = times.now - HISTORY_DAYS * DAY
        self.first_arrival = start
        self.first_hour = start - start % HOUR
        cum: list[float] = []
        total = 0.0
        slot = start
        while slot < times.now:
            hour = slot % DAY // HOUR
            weekend = times.weekdays[slot // DAY] >= 5
            if 8 <= hour < 18:
                weight = 1.6 if weekend else 10.0
            elif 6 <= hour < 21:
                weight = 0.8 if weekend else 3.5
            else:
                weight = 0.3 if weekend else 0.6
            length = min(HOUR - slot % HOUR, times.now - slot)
            total += weight * length / HOUR
            cum.append(total)
            slot += length
        self.arrival_cum = cum

    def _created(self, i: int) -> int:
        """Ticket ``i``'s creation time: the ``i``-th of ``total`` arrivals spread by the
        hourly weights (jittered), so numbers grow with creation time as in a real desk."""
        cum = self.arrival_cum
        if not cum:
            return self.times.now
        target = (i + self.rng.random()) / self.total * cum[-1]
        k = min(bisect.bisect_left(cum, target), len(cum) - 1)
        before = cum[k - 1] if k else 0.0
        begin = max(self.first_arrival, self.first_hour + k * HOUR)
        end = min(self.times.now, self.first_hour + (k + 1) * HOUR)
        share = (target - before) / ((cum[k] - before) or 1.0)
        return min(self.times.now, begin + int(share * (end - begin)))

    # -- tickets

    def batch(self, start: int, stop: int) -> Batch:
        """The rows of tickets ``start`` to ``stop - 1`` (zero-based) and all they carry."""
        out = Batch()
        for i in range(start, stop):
            self._ticket(i, out)
        for table, rows in out.rows.items():
            self.counts[table] += len(rows)
        return out

    def _status(self, i: int, age: int) -> str:
        rand = self.rng.random
        status = CLOSED
        missing = [s for s in STATUSES if not self._seen[s]] if self.total - i <= 5 else []
        if missing and self.total - i <= len(missing):
            # The last few tickets make sure every stage has some, whatever the seed.
            status = missing[0]
        else:
            # Old tickets are almost all closed; the newer, the more are still open.
            if age < DAY:
                p_open = 0.8
            elif age < 3 * DAY:
                p_open = 0.55
            elif age < 7 * DAY:
                p_open = 0.35
            elif age < 30 * DAY:
                p_open = 0.12
            else:
                p_open = 0.03
            if rand() < p_open:
                status = OPEN[bisect.bisect_left(OPEN_CUM, rand())]
        self._seen[status] += 1
        return status

    def _ticket(self, i: int, out: Batch) -> None:
        rand = self.rng.random
        now = self.times.now
        cast = self.cast
        created = self._created(i)
        roll = rand()
        priority = 1 if roll < 0.15 else 2 if roll < 0.70 else 3
        channel = CHANNELS[bisect.bisect_left(_CHANNEL_CUM, rand())]
        dept = bisect.bisect_left(cast.department_cum, rand())
        topic: Topic = pick(rand, self.department_topics[dept])
        product: str = pick(rand, PRODUCTS[cast.departments[dept]])
        account: int | None
        if rand() < 0.9:
            account = cast.busiest[bisect.bisect_left(cast.busiest_cum, rand())]
            customer: Customer = pick(rand, cast.contacts_of[account])
            domain = cast.domain[account]
        else:
            account = None
            customer = pick(rand, cast.individuals)
            domain = f"{customer.first.lower()}-shop.example"
        slots = Slots(
            product=product,
            domain=domain,
            first=customer.first,
            phone=customer.phone or "the main number",
            subcategory=topic.subcategory.lower(),
        )
        slots.rand = rand
        subject = pick(rand, topic.subjects).format_map(slots)
        description = self._description(topic, channel, customer, slots)

        status = self._status(i, now - created)
        team = cast.department_team[dept]
        pool = cast.owner_pool[dept]
        owner = pick(rand, pool) if status != NEW or rand() < 0.5 else None
        creator = owner if owner is not None and rand() < 0.5 else pick(rand, pool)
        life = Life(
            tid=i + 1,
            number=FIRST_TICKET_NUMBER + i,
            subject=subject,
            created=created,
            owner=owner,
            creator=creator,
            customer=customer,
            account=account,
            department=cast.departments[dept],
            team=team,
            lead=cast.leads[team],
            # The service marks a ticket at intake when the contract ended before that day.
            expired=account is not None and cast.expiry_day[account] < created // DAY,
        )
        staged = stages(rand, now, life, status, priority)
        steps = staged
        if life.expired or i >= self.total - RICH_NEWEST or i % RICH_EVERY == 0:
            life.last_close = max((a[0] for a in staged if a[2] == CLOSE), default=None)
            more: list[Step] = []
            if life.expired:
                more += amc_steps(rand, now, life, staged, status)
            if i >= self.total - RICH_NEWEST or i % RICH_EVERY == 0:
                more += extras(rand, now, life, staged, status, priority, topic, slots)
            steps = sorted(staged + more, key=when)
        owner_now = self._emit(life, steps, out, slots)

        ts = self.times.db
        due = created + self.sla[priority]
        out.rows["tickets"].append(
            (
                life.tid, life.number, subject, description, status, priority, channel,
                dept + 1, topic.category, topic.subcategory, product, customer.id, account,
                owner_now, creator, ts(due),
                None if life.scheduled is None else ts(life.scheduled),
                life.sticky, ts(created), ts(life.updated),
                None if life.closed is None else ts(life.closed),
                None if life.first_response is None else ts(life.first_response),
                life.amc_state, None, life.version,
            )
        )  # fmt: skip

    def _description(
        self, topic: Topic, channel: str, customer: Customer, slots: dict[str, str]
    ) -> str:
        rand = self.rng.random
        problem = pick(rand, topic.problems).format_map(slots)
        body = f"{problem} {pick(rand, DETAILS).format_map(slots)}".rstrip()
        ask = pick(rand, ASKS).format_map(slots)
        # f-strings rather than templates: this runs for every ticket.
        if channel == "Phone":
            return f"Call from {customer.name}: {body} Call back on {slots['phone']}."
        if channel == "Chat":
            return f"Chat with {customer.name}:\n{body}\n{ask}"
        if channel in ("Twitter", "Facebook"):
            return f"Message from {customer.name} on {channel}: {problem}"
        return f"Hi,\n\n{body}\n\n{ask}\n\n{pick(rand, SIGNOFFS)},\n{customer.first}"

    # -- rows from the steps

    def _emit(self, life: Life, steps: list[Step], out: Batch, slots: dict[str, str]) -> int | None:
        """Write the rows of one ticket's steps, in the order and shape the services
        would have written them; returns the owner the ticket ends up with."""
        rng = self.rng
        rand = rng.random
        ts = self.times.db
        iso = self.times.iso
        cast = self.cast
        names = cast.names
        tid, number = life.tid, life.number
        events = out.rows["events"]

        stamped = [-1, ""]  # the last time stamped: most steps write two events at once

        def event(actor: int, t: int, action: str, fld: str | None, old: Any, new: Any) -> None:
            if t != stamped[0]:
                stamped[0], stamped[1] = t, ts(t)
            events.append((tid, number, _AGENT, actor, names[actor], stamped[1], action, fld,
                           old, new))  # fmt: skip

        event(life.creator, life.created, _CREATE, None, None, life.subject)
        if life.expired:
            assert life.account is not None
            note = cast.expired_note[life.account]
            event(life.creator, life.created, _AMC, _AMC_STATE, None, note)
            life.amc_state = _EXPIRED
        status = NEW
        owner: int | None = None
        worker = life.owner if life.owner is not None else life.creator
        for t, order, kind, arg in steps:
            actor = worker if owner is None else owner
            if kind == OWN:
                assert life.owner is not None
                by = life.lead if arg == ASSIGN else life.owner
                event(by, t, arg, _OWNER, None, names[life.owner])
                owner = life.owner
            elif kind == SCHEDULE:
                old = None if life.scheduled is None else iso(life.scheduled)
                event(actor, t, SCHEDULE, _SCHEDULED_AT, old, iso(arg))
                event(actor, t, SCHEDULE, _STATUS, status, SCHEDULED)
                status, life.scheduled = SCHEDULED, arg
            elif kind == START:
                event(actor, t, START, _STATUS, status, IN_PROGRESS)
                status = IN_PROGRESS
            elif kind == CLOSE:
                event(actor, t, CLOSE, _STATUS, status, CLOSED)
                event(actor, t, CLOSE, _CLOSED_AT, None, iso(t))
                status, life.closed = CLOSED, t
                if life.resolution is not None and t == life.last_close:
                    self._resolution(life, actor, t, life.resolution, slots, out, event)
            elif kind == REOPEN:
                if order == life.customer_reopen:
                    # A customer's reply to a Closed ticket reopens it (customer_message).
                    body = pick(rand, REOPEN_MESSAGES).format_map(slots)
                    self._customer_message(life, t, body, out)
                    events.append(
                        (tid, number, _CUSTOMER_ACTOR, None, life.customer.name, ts(t), REOPEN,
                         _STATUS, CLOSED, REOPENED)
                    )  # fmt: skip
                else:
                    by = life.creator if rand() < 0.5 else life.lead
                    event(by, t, REOPEN, _STATUS, CLOSED, REOPENED)
                    event(by, t, REOPEN, _CLOSED_AT, iso(life.closed or t), None)
                status, life.closed = REOPENED, None
            elif kind == REQUEST:
                self._approval(life, actor, t, arg, out, event)
            elif kind == DECIDE:
                event(arg["decider"], t, arg["verdict"], _APPROVAL_FIELD, arg["subject"],
                      arg["comment"])  # fmt: skip
                if arg["kind"] == AMC_EXCEPTION and arg["verdict"] == APPROVED:
                    event(arg["decider"], t, _AMC, _AMC_STATE, _EXPIRED, _EXCEPTION)
                    life.amc_state = _EXCEPTION
            elif kind == REPLY:
                slots["agent"] = cast.display[actor]
                slots["evidence"] = pick(rand, EVIDENCE).format_map(slots)
                body = REPLIES[arg].format_map(slots)
                self._agent_message(life, actor, t, REPLY, body, out, event)
            elif kind == CUSTOMER_WRITES:
                body = pick(rand, CUSTOMER_MESSAGES).format_map(slots)
                self._customer_message(life, t, body, out)
            elif kind == COMMENT:
                others = [m for m in cast.members[life.team] if m != actor]
                who = pick(rand, others)
                body = pick(rand, COMMENTS).format(who=names[who])
                message = self._agent_message(life, actor, t, COMMENT, body, out, event)
                out.rows["message_mentions"].append((message, who))
            elif kind == NOTE:
                body = pick(rand, NOTES).format_map(slots)
                self._agent_message(life, actor, t, NOTE, body, out, event)
            elif kind == ACTIVITY:
                what, title, due, done = arg
                reminder = ts(due - 1800) if rand() < 0.5 and due - 1800 > t else None
                out.rows["activities"].append(
                    (tid, what, title, actor, ts(due), reminder, done is not None,
                     None if done is None else ts(done), actor, ts(t))
                )  # fmt: skip
                event(actor, t, what, None, None, title)
            elif kind == DONE:
                what, title = arg
                event(actor, t, DONE, what, None, title)
            elif kind == LOG_TIME:
                billable = life.account is not None and rand() < 0.4
                note = pick(rand, TIME_NOTES).format_map(slots)
                out.rows["time_entries"].append((tid, actor, ts(t - arg * 60), arg, billable, note))
                event(actor, t, LOG_TIME, None, None, history.time_logged(arg, billable))
            elif kind == ATTACH:
                name, media_type, content = attachment(rng, slots, self.times.aware(t))
                out.rows["attachments"].append(
                    (tid, name, media_type, len(content), hashlib.sha256(content).hexdigest(),
                     content, actor, ts(t))
                )  # fmt: skip
                event(actor, t, ATTACH, None, None, history.attached(name, len(content)))
            elif kind == STICKY:
                event(actor, t, _EDIT, _STICKY, _NO, _YES)
                life.sticky = True
        # Every step after the creation is one transaction that touches the ticket, and
        # the steps come in time order.
        life.version = 1 + len(steps)
        life.updated = steps[-1][0] if steps else life.created
        return owner

    def _agent_message(
        self,
        life: Life,
        actor: int,
        t: int,
        kind: str,
        body: str,
        out: Batch,
        event: Callable[..., None],
    ) -> int:
        message = self._next_message
        self._next_message += 1
        out.rows["messages"].append((message, life.tid, kind, actor, None, body, self.times.db(t)))
        event(actor, t, kind, None, None, history.preview(body))
        if kind == REPLY and life.first_response is None:
            life.first_response = t
        return message

    def _customer_message(self, life: Life, t: int, body: str, out: Batch) -> None:
        message = self._next_message
        self._next_message += 1
        customer = life.customer
        stamp = self.times.db(t)
        out.rows["messages"].append(
            (message, life.tid, _CUSTOMER_MESSAGE, None, customer.id, body, stamp)
        )
        out.rows["events"].append(
            (life.tid, life.number, _CUSTOMER_ACTOR, None, customer.name, stamp, _CUSTOMER, None,
             None, history.preview(body))
        )  # fmt: skip

    def _approval(
        self,
        life: Life,
        actor: int,
        t: int,
        info: dict[str, Any],
        out: Batch,
        event: Callable[..., None],
    ) -> None:
        """Write an approval as it ends up (pending or decided) with its request event;
        ``info`` keeps what the decision (a later step) records."""
        rand = self.rng.random
        cast = self.cast
        account = cast.account_name.get(life.account or 0, life.customer.name)
        if info["kind"] == AMC_EXCEPTION:
            assert life.account is not None
            subject = AMC_EXCEPTION_SUBJECT.format(account=account)
            details = AMC_EXCEPTION_DETAILS.format(
                account=account, ended=cast.expires[life.account]
            )
        else:
            template, details = pick(rand, APPROVALS[life.department])
            subject = template.format_map(
                {"amount": f"€{int(rand() * 900) + 50}", "account": account,
                 "site": pick(rand, SITES), "host": pick(rand, HOSTS)}
            )  # fmt: skip
        # Leads decide (an AMC exception needs a lead or an admin); a lead asks the admin.
        approvers = [life.lead] if actor != life.lead else [cast.admin]
        if rand() < 0.25 and cast.admin not in approvers:
            approvers.append(cast.admin)
        approval = self._next_approval
        self._next_approval += 1
        out.rows["approval_approvers"].extend((approval, a) for a in sorted(approvers))
        ts = self.times.db
        if "decided" not in info:
            out.rows["approvals"].append(
                (approval, life.tid, info["kind"], actor, subject, details, _PENDING, None, None,
                 ts(t), None)
            )  # fmt: skip
        else:
            approved = info["verdict"] == APPROVED
            comment: str | None
            if info["kind"] == AMC_EXCEPTION:
                comment = AMC_EXCEPTION_APPROVED if approved else AMC_EXCEPTION_REJECTED
            else:
                comment = pick(rand, APPROVE_COMMENTS if approved else REJECT_COMMENTS)
            info.update(decider=approvers[0], subject=subject, comment=comment)
            out.rows["approvals"].append(
                (approval, life.tid, info["kind"], actor, subject, details, info["verdict"],
                 approvers[0], comment, ts(t), ts(info["decided"]))
            )  # fmt: skip
        event(actor, t, REQUEST, None, None, subject)

    def _resolution(
        self,
        life: Life,
        actor: int,
        t: int,
        topic: Topic,
        slots: dict[str, str],
        out: Batch,
        event: Callable[..., None],
    ) -> None:
        rand = self.rng.random
        body = pick(rand, topic.resolutions).format_map(slots)
        publish = rand() < 0.12
        notify = rand() < 0.4
        ts = self.times.db
        out.rows["resolutions"].append((life.tid, body, publish, notify, actor, ts(t)))
        event(actor, t, _RESOLUTION, _RESOLUTION_FIELD, None, history.preview(body))
        if publish:
            out.rows["articles"].append((life.subject, body, life.tid, ts(t)))
            event(actor, t, _PUBLISH, _KNOWLEDGE_BASE, None, life.subject)
        if notify:
            reply = _RESOLUTION_REPLY.format(body=body)
            self._agent_message(life, actor, t, REPLY, reply, out, event)
