"""One ticket's life as timed steps: how it got to its status, and what happened meanwhile.

A life is planned first (``stages``, ``amc_steps``, ``extras``: when it was taken, scheduled,
started, closed, reopened; the conversation, approvals, activities, time and files), then
the generator turns the steps, in time order, into the rows the services would have
written.  Every step lies between the ticket's creation and "now".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console.data import history
from console.data.actions import Action
from console.data.workflow import AmcState, Status
from console.demo.cast import Customer
from console.demo.draw import cumulative, pick
from console.demo.phrases import ACTIVITIES, FIRST_REPLY, FIXED_REPLY, MINUTES
from console.demo.times import DAY, HOUR
from console.demo.topics import Topic

#: A step of a ticket's life: (time, order among equal times, kind, argument).
Step = tuple[int, int, str, Any]

# The kinds of step.  A step that history records under one action carries that action's
# word (the workflow's action id, or the history's own), so the generator writes the kind
# as it is; the others name what the generator does at that moment.
#: The owner takes the ticket; the argument is how (``ASSIGN`` or ``PICK_UP``).
OWN = "own"
ASSIGN = Action.ASSIGN.value
PICK_UP = Action.PICK_UP.value
SCHEDULE = Action.SCHEDULE.value  # the argument is the appointment
START = Action.START.value
CLOSE = Action.CLOSE.value
REOPEN = Action.REOPEN.value
REPLY = Action.REPLY.value  # the argument is the reply's index in REPLIES
COMMENT = Action.COMMENT.value
NOTE = Action.NOTE.value
LOG_TIME = Action.LOG_TIME.value  # the argument is the minutes
ATTACH = Action.ATTACH.value
#: The customer writes (a reply to an open ticket).
CUSTOMER_WRITES = history.CUSTOMER
#: An approval is asked for, and later decided (history records the verdict); the
#: argument (a dict) is shared by both.
REQUEST = Action.REQUEST_APPROVAL.value
DECIDE = "decide"
#: An activity is planned (argument: kind, title, due, done; history records its kind),
#: and later done.
ACTIVITY = "activity"
DONE = history.DONE
#: The ticket is made sticky (history records an edit).
STICKY = "sticky"

#: The statuses, as tickets store them.
NEW = Status.NEW.value
SCHEDULED = Status.SCHEDULED.value
IN_PROGRESS = Status.IN_PROGRESS.value
CLOSED = Status.CLOSED.value
REOPENED = Status.REOPEN.value
STATUSES = (NEW, SCHEDULED, IN_PROGRESS, CLOSED, REOPENED)
#: The open statuses and how often a ticket still open is in each.
OPEN = (NEW, SCHEDULED, IN_PROGRESS, REOPENED)
OPEN_CUM = cumulative([0.35, 0.2, 0.3, 0.15])

#: Approval kinds and the verdicts that decide them (as the services store them).
AMC_EXCEPTION = "amc_exception"
GENERAL = "general"
APPROVED = history.APPROVED
REJECTED = history.REJECTED

#: Seconds that set the pace of each priority's work (High is worked fastest).
PACE = {1: 2 * HOUR, 2: 8 * HOUR, 3: 30 * HOUR}


@dataclass(slots=True)
class Life:
    """One ticket while its steps are turned into rows."""

    tid: int
    number: int
    subject: str
    created: int
    owner: int | None  # who ends up owning it
    creator: int
    customer: Customer
    account: int | None
    department: str
    team: int
    lead: int
    expired: bool  # the account's AMC had ended when the ticket came in
    amc_state: str = AmcState.OK.value
    last_close: int | None = None
    #: Set by extras: the reopen (its order) a customer's reply caused, and the resolution.
    customer_reopen: int | None = None
    resolution: Topic | None = None
    scheduled: int | None = None
    closed: int | None = None
    first_response: int | None = None
    updated: int = 0
    version: int = 1
    sticky: bool = False


def when(step: Step) -> tuple[int, int]:
    """A step's place in time order: its time, then its order among equal times."""
    return step[0], step[1]


def stages(
    rand: Callable[[], float], now: int, life: Life, status: str, priority: int
) -> list[Step]:
    """The stage steps that led to ``status`` (taking it, schedule, start, close,
    reopen), at realistic times that all lie before now."""
    roll = rand()
    path: list[str]
    if status == NEW:
        path = []
    elif status == SCHEDULED:
        path = [SCHEDULE]
    elif status == IN_PROGRESS:
        path = [SCHEDULE, START]
    elif status == REOPENED:
        path = [CLOSE, REOPEN] if roll < 0.5 else [SCHEDULE, START, CLOSE, REOPEN]
    elif roll < 0.50:
        path = [CLOSE]  # answered and closed straight away
    elif roll < 0.92:
        path = [SCHEDULE, START, CLOSE]
    elif roll < 0.96:
        path = [SCHEDULE, CLOSE]  # solved before the appointment
    else:
        path = [SCHEDULE, START, CLOSE, REOPEN, SCHEDULE, START, CLOSE]
    if life.owner is not None:
        path.insert(0, OWN)
    pace = PACE[priority]
    created = life.created
    t = created
    appointment = 0
    times: list[int] = []
    ahead: list[int] = []  # how far ahead each schedule step booked its appointment
    for step in path:
        if step == OWN:
            t += int(rand() * rand() * 4 * pace) + 60
        elif step == SCHEDULE:
            t += int(rand() * pace) + 120
            ahead.append(int(rand() * 2 * pace) + 1800)
            appointment = t + ahead[-1]
        elif step == START:
            t = max(t, appointment) + int(rand() * 1800)
        elif step == CLOSE:
            t += int(rand() * 6 * pace) + 300
        else:  # reopen
            t += int(rand() * 3 * DAY) + HOUR
        times.append(t)
    if t > now:
        # Too young for all that: keep the order and proportions, end before now.
        factor = (now - created) * (0.3 + 0.7 * rand()) / (t - created)
        times = [created + int((s - created) * factor) for s in times]
        ahead = [max(60, int(lead * factor)) for lead in ahead]
    if status == SCHEDULED:
        # Booked for the next few days, or (now and then) an appointment already missed.
        ahead[-1] = int(rand() * 3 * DAY) + 1800
    steps: list[Step] = []
    leads = iter(ahead)
    for index, step in enumerate(path):
        t = times[index]
        order = 10 * index + 5  # room before each step for what has to precede it
        if step == OWN:
            # A lead hands out a third of the tickets; the rest are picked up.
            how = ASSIGN if rand() < 0.33 and life.owner != life.lead else PICK_UP
            steps.append((t, order, OWN, how))
        elif step == SCHEDULE:
            at = t + next(leads)
            steps.append((t, order, SCHEDULE, at - at % 900 + 900))  # quarter hours
        else:
            steps.append((t, order, step, None))
    return steps


def amc_steps(
    rand: Callable[[], float], now: int, life: Life, staged: list[Step], status: str
) -> list[Step]:
    """An AMC exception asked for (and decided) on an expired ticket: the gate refuses
    to schedule it until a lead approves one."""
    first = next((i for i, a in enumerate(staged) if a[2] == SCHEDULE), None)
    begin = staged[0][0] if staged and staged[0][2] == OWN else life.created
    if first is not None:
        before = staged[first][0]
        info: dict[str, Any] = {
            "kind": AMC_EXCEPTION,
            "verdict": APPROVED,
            "decided": begin + (before - begin) * 2 // 3,
        }
        return [
            (begin + (before - begin) // 3, 10 * first + 1, REQUEST, info),
            (info["decided"], 10 * first + 2, DECIDE, info),
        ]
    if status != NEW:
        return []  # closed without work: the customer was asked to renew first
    roll = rand()
    room = now - begin
    if roll < 0.35:
        return [(begin + int(room * rand() * 0.5), 1000, REQUEST, {"kind": AMC_EXCEPTION})]
    if roll < 0.5:
        request = begin + int(room * rand() * 0.4)
        info = {
            "kind": AMC_EXCEPTION,
            "verdict": APPROVED if roll < 0.45 else REJECTED,
            "decided": request + int((now - request) * rand() * 0.5),
        }
        return [(request, 1000, REQUEST, info), (info["decided"], 1001, DECIDE, info)]
    return []


def extras(
    rand: Callable[[], float],
    now: int,
    life: Life,
    staged: list[Step],
    status: str,
    priority: int,
    topic: Topic,
    slots: dict[str, str],
) -> list[Step]:
    """Conversation, approvals, activities, time and attachments, placed while the
    ticket was being worked (before its first close, or up to about now if open)."""
    begin = staged[0][0] if staged and staged[0][2] == OWN else life.created
    closes = [a[0] for a in staged if a[2] == CLOSE]
    if status == CLOSED:
        end = closes[0]
    else:
        end = begin + int((now - begin) * (0.5 + 0.5 * rand()))
    span = max(0, end - begin)

    def at(share: float) -> int:
        return begin + int(span * min(1.0, share))

    steps: list[Step] = []
    order = 100
    if status != NEW or rand() < 0.5:
        steps.append((at(rand() * 0.1), order, REPLY, FIRST_REPLY))
        order += 1
    for _ in range(int(rand() * 3)):
        share = 0.1 + rand() * 0.8
        steps.append((at(share), order, CUSTOMER_WRITES, None))
        steps.append((at(share + 0.05), order + 1, REPLY, 1 + int(rand() * 4)))
        order += 2
    if status == CLOSED and rand() < 0.5:
        steps.append((at(0.97), order, REPLY, FIXED_REPLY))
        order += 1
    if rand() < 0.3:
        steps.append((at(rand()), order, COMMENT, None))
        order += 1
    if rand() < 0.3:
        steps.append((at(rand()), order, NOTE, None))
        order += 1
    if rand() < 0.12:
        request = at(rand() * 0.6)
        if status != CLOSED and rand() < 0.6:
            steps.append((request, order, REQUEST, {"kind": GENERAL}))
        else:
            info: dict[str, Any] = {
                "kind": GENERAL,
                "verdict": APPROVED if rand() < 0.8 else REJECTED,
                "decided": request + int((end - request) * rand() * 0.5),
            }
            steps.append((request, order, REQUEST, info))
            steps.append((info["decided"], order + 1, DECIDE, info))
        order += 2
    if rand() < 0.25:
        kind, title = pick(rand, ACTIVITIES)
        title = title.format_map(slots)
        created = at(rand() * 0.5)
        due = created + int(rand() * 2 * DAY) + HOUR
        done = None
        if status == CLOSED or (due < now and rand() < 0.6):
            done = max(created, min(now, due, end))
        steps.append((created, order, ACTIVITY, (kind, title, due, done)))
        if done is not None:
            steps.append((done, order + 1, DONE, (kind, title)))
        order += 2
    if life.owner is not None and status in (IN_PROGRESS, CLOSED, REOPENED):
        for _ in range(int(rand() * 3)):
            steps.append((at(0.2 + rand() * 0.8), order, LOG_TIME, pick(rand, MINUTES)))
            order += 1
    if rand() < 0.08:
        steps.append((at(rand() * 0.5), order, ATTACH, None))
        order += 1
    if priority == 1 and status != CLOSED and rand() < 0.3:
        steps.append((at(rand() * 0.2), order, STICKY, None))
    # Half the reopened tickets were reopened by the customer writing back; most closed
    # ones got a resolution when they were (last) closed.
    if status == REOPENED and rand() < 0.5:
        life.customer_reopen = staged[-1][1]
    if status == CLOSED and rand() < 0.75:
        life.resolution = topic
    return steps
