"""The ticket workflow as pure functions: who may do what to a ticket now, and where it goes.

No I/O here.  The services load the facts (``Actor``, ``TicketFacts``), ask ``refusal`` and
apply ``next_status``; the console asks ``allowed_actions`` to show the keys that apply.
The actions themselves (ids, names, keys) are the table in ``console.data.actions``.
Every refusal is a plain sentence naming the ticket, its state and what is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from console.data.actions import Action as Action  # the workflow's actions, re-exported
from console.data.actions import name_of


class Status(StrEnum):
    """A ticket's stage on the stage bar (``All`` is not a status, only a bar tab)."""

    NEW = "New"
    SCHEDULED = "Scheduled"
    IN_PROGRESS = "InProgress"
    CLOSED = "Closed"
    REOPEN = "ReOpen"


STAGES: tuple[str, ...] = ("New", "Scheduled", "InProgress", "Closed", "ReOpen", "All")


class Role(StrEnum):
    """What an agent may do beyond its own work."""

    AGENT = "agent"
    LEAD = "lead"
    ADMIN = "admin"


#: Plain names used in sentences ("Pick up needs an unassigned ticket"), from the table of
#: actions.
ACTION_NAMES: dict[Action, str] = {action: name_of(action) for action in Action}

#: Which statuses each stage-changing action leaves from, and where it goes.
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.SCHEDULE: (frozenset({Status.NEW, Status.REOPEN}), Status.SCHEDULED),
    Action.START: (frozenset({Status.SCHEDULED}), Status.IN_PROGRESS),
    Action.CLOSE: (
        frozenset({Status.NEW, Status.SCHEDULED, Status.IN_PROGRESS, Status.REOPEN}),
        Status.CLOSED,
    ),
    Action.REOPEN: (frozenset({Status.CLOSED}), Status.REOPEN),
}

#: Actions that only add to a ticket; allowed in any status.
ADDITIONS = frozenset(
    {
        Action.REPLY,
        Action.COMMENT,
        Action.NOTE,
        Action.ACTIVITY,
        Action.REQUEST_APPROVAL,
        Action.SET_RESOLUTION,
        Action.LOG_TIME,
        Action.ATTACH,
        Action.EDIT,
    }
)

#: The AMC gate holds back these actions while a ticket's support contract has expired.
AMC_GATED = frozenset({Action.SCHEDULE, Action.START})


class AmcState(StrEnum):
    """The support-contract state a ticket was given at intake."""

    OK = "ok"
    EXPIRED = "expired"
    EXCEPTION = "exception"  # expired, but a lead or admin approved an AMC exception


@dataclass(frozen=True)
class Actor:
    """The agent acting, as far as the rules need to know."""

    id: int
    username: str
    role: Role
    team_id: int | None

    @property
    def is_lead_or_admin(self) -> bool:
        """Leads and admins may act on any ticket in their scope."""
        return self.role in (Role.LEAD, Role.ADMIN)


@dataclass(frozen=True)
class TicketFacts:
    """The facts about one ticket that the rules look at."""

    number: int
    status: Status
    owner_id: int | None
    owner_name: str | None
    creator_id: int | None
    amc_state: AmcState = AmcState.OK
    account_name: str | None = None
    amc_expires: str | None = None
    merged_into: int | None = None


@dataclass(frozen=True)
class Assignee:
    """The agent a ticket would be assigned to."""

    id: int
    username: str
    team_id: int | None
    active: bool = True


def next_status(action: Action, status: Status) -> Status:
    """The status after ``action``; unchanged for actions that do not move the ticket."""
    if action in TRANSITIONS:
        return TRANSITIONS[action][1]
    return status


def _needs_status(action: Action, ticket: TicketFacts) -> str | None:
    sources, _ = TRANSITIONS[action]
    if ticket.status in sources:
        return None
    name = ACTION_NAMES[action]
    if action is Action.CLOSE:
        return f"Close needs an open ticket; #{ticket.number} is Closed."
    wanted = " or ".join(s.value for s in Status if s in sources)
    article = "an" if wanted[0] in "AEIOU" else "a"
    return f"{name} needs {article} {wanted} ticket; #{ticket.number} is {ticket.status.value}."


def _owner_rule(action: Action, actor: Actor, ticket: TicketFacts) -> str | None:
    """Stage changes on someone else's ticket are for leads and admins."""
    if ticket.owner_id is None or ticket.owner_id == actor.id or actor.is_lead_or_admin:
        return None
    return (
        f"{ACTION_NAMES[action]} on #{ticket.number} is for its owner ({ticket.owner_name}) "
        "or a lead; ask them or have it assigned to you."
    )


def refusal(
    action: Action,
    actor: Actor,
    ticket: TicketFacts,
    *,
    assignee: Assignee | None = None,
) -> str | None:
    """Why ``actor`` may not take ``action`` on ``ticket`` now, or ``None`` when allowed.

    Scope (whether the actor may see the ticket at all) is checked by the data layer
    before this; these are the rules of the workflow table itself.
    """
    n = f"#{ticket.number}"
    closed = ticket.status is Status.CLOSED
    name = ACTION_NAMES[action]

    if action is Action.PICK_UP:
        if closed:
            return f"Pick up needs an open ticket; {n} is Closed."
        if ticket.owner_id == actor.id:
            return f"{n} is already yours."
        if ticket.owner_id is not None:
            return f"Pick up needs an unassigned ticket; {n} is owned by {ticket.owner_name}."
        return None

    if action is Action.ASSIGN:
        if closed:
            return f"Assign needs an open ticket; {n} is Closed."
        if assignee is None:
            return f"Assign needs an agent to assign #{ticket.number} to."
        if not assignee.active:
            return f"{assignee.username} is not an active agent; {n} cannot be assigned to them."
        if assignee.id == ticket.owner_id:
            return f"{n} is already assigned to {assignee.username}."
        if actor.is_lead_or_admin:
            return None
        if ticket.owner_id is not None and ticket.owner_id != actor.id:
            return (
                f"Assign of #{ticket.number} is for its owner ({ticket.owner_name}) or a lead; "
                "agents assign only unassigned tickets or their own."
            )
        if assignee.id == actor.id:
            return None
        if actor.team_id is None or assignee.team_id != actor.team_id:
            return (
                f"Agents assign within their own team; {assignee.username} is not in your team. "
                f"Ask a lead to assign {n}."
            )
        return None

    if action is Action.RELEASE:
        if closed:
            return f"Release needs an open ticket; {n} is Closed."
        if ticket.owner_id is None:
            return f"Release needs an owned ticket; {n} is unassigned."
        if ticket.owner_id != actor.id and not actor.is_lead_or_admin:
            return f"Release of {n} is for its owner ({ticket.owner_name}) or a lead."
        return None

    if action in (Action.SCHEDULE, Action.START, Action.CLOSE):
        why = _needs_status(action, ticket)
        if why:
            return why
        if action is Action.SCHEDULE and ticket.owner_id is None:
            return f"Schedule needs an owner; {n} is unassigned. Pick it up or assign it first."
        why = _owner_rule(action, actor, ticket)
        if why:
            return why
        if action in AMC_GATED and ticket.amc_state is AmcState.EXPIRED:
            account = ticket.account_name or "its account"
            since = f" on {ticket.amc_expires}" if ticket.amc_expires else ""
            return (
                f"{name} needs an approved AMC exception; the support contract of {account} "
                f"expired{since}. Request an approval on {n} from a lead."
            )
        return None

    if action is Action.REOPEN:
        why = _needs_status(action, ticket)
        if why:
            return why
        if ticket.merged_into is not None:
            target = f"#{ticket.merged_into}"
            return f"{n} was merged into {target}; work on {target} instead."
        if ticket.creator_id != actor.id and not actor.is_lead_or_admin:
            return f"Reopen of {n} is for the agent who created it or a lead."
        return None

    if action is Action.MERGE:
        if not actor.is_lead_or_admin:
            return f"Merge is for leads and admins; ask a lead to merge {n}."
        if ticket.merged_into is not None:
            return f"{n} was already merged into #{ticket.merged_into}."
        return None

    if action is Action.SPLIT:
        if ticket.merged_into is not None:
            return f"{n} was merged into #{ticket.merged_into}; split that one."
        if ticket.owner_id == actor.id or actor.is_lead_or_admin:
            return None
        if ticket.owner_id is None:
            return f"{n} is unassigned; pick it up to split it, or ask a lead."
        return f"Split of {n} is for its owner ({ticket.owner_name}) or a lead."

    if action is Action.DELETE:
        if actor.role is not Role.ADMIN:
            return f"Delete is for admins; {n} was not deleted."
        return None

    if action in ADDITIONS:
        return None
    raise ValueError(f"unknown action {action!r}")  # pragma: no cover


def allowed_actions(actor: Actor, ticket: TicketFacts) -> dict[Action, str | None]:
    """Every action with ``None`` when allowed now or the sentence saying why not.

    Assign is judged as "assign to someone": allowed when the ticket is open.
    """
    result: dict[Action, str | None] = {}
    for action in Action:
        if action is Action.ASSIGN:
            # Judged as "assign to myself": the same status and owner rules, any assignee.
            me = Assignee(actor.id, actor.username, actor.team_id)
            why = refusal(action, actor, ticket, assignee=me)
            result[action] = None if why and why.startswith(f"#{ticket.number} is already") else why
        else:
            result[action] = refusal(action, actor, ticket)
    return result


def decision_refusal(
    actor: Actor, approval_id: int, number: int, *, requester: str, amc_exception: bool
) -> str | None:
    """Why ``actor`` may not decide an approval asked by ``requester``, or ``None``.

    A requester never decides its own request; an AMC exception is decided by a lead or an
    admin other than the one who asked for it.  (Whether the approval waits on the actor
    at all is the data layer's to check.)
    """
    which = f"Approval {approval_id} on #{number}"
    if requester == actor.username:
        decider = "another lead or admin" if amc_exception else "another of its approvers"
        return f"{which} is your own request; {decider} decides it."
    if amc_exception and not actor.is_lead_or_admin:
        return (
            f"{which} is an AMC exception, decided by a lead or an admin; "
            f"you ({actor.username}) are an {actor.role.value}."
        )
    return None
