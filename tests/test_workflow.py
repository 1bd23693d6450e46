"""The workflow table as pure rules: every status x action, who may act, and what they are told.

The expectations here are written from the design's workflow table (``DESIGN.md``), not read
back from ``console.data.workflow``: ``spec_verdict`` is an independent model of the table that
the rules must agree with for every status, action, actor, owner, creator and AMC state.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from console.data.errors import BadValue
from console.data.queries import check_stage
from console.data.workflow import (
    ACTION_NAMES,
    STAGES,
    Action,
    Actor,
    AmcState,
    Assignee,
    Role,
    Status,
    TicketFacts,
    allowed_actions,
    next_status,
    refusal,
)

NUMBER = 1042
BILLING, NETWORK = 10, 20

ROOT = Actor(1, "root", Role.ADMIN, None)
LENA = Actor(2, "lena", Role.LEAD, BILLING)
ALICE = Actor(3, "alice", Role.AGENT, BILLING)
BOB = Actor(4, "bob", Role.AGENT, BILLING)
NINA = Actor(5, "nina", Role.LEAD, NETWORK)
CARL = Actor(6, "carl", Role.AGENT, NETWORK)
LONER = Actor(7, "loner", Role.AGENT, None)  # an agent in no team
ACTORS = (ROOT, LENA, ALICE, BOB, NINA, CARL, LONER)
BY_ID = {a.id: a for a in ACTORS}

GONE = Assignee(8, "gone", BILLING, active=False)
ASSIGNEES = (*(Assignee(a.id, a.username, a.team_id) for a in ACTORS), GONE)

OPEN = (Status.NEW, Status.SCHEDULED, Status.IN_PROGRESS, Status.REOPEN)

#: The stage moves the table allows: (from, action) -> to.
TABLE_MOVES: dict[tuple[Status, Action], Status] = {
    (Status.NEW, Action.SCHEDULE): Status.SCHEDULED,
    (Status.REOPEN, Action.SCHEDULE): Status.SCHEDULED,
    (Status.SCHEDULED, Action.START): Status.IN_PROGRESS,
    **{(s, Action.CLOSE): Status.CLOSED for s in OPEN},
    (Status.CLOSED, Action.REOPEN): Status.REOPEN,
}

#: Actions that only add to a ticket: allowed in any status, by anyone who may see it.
ADDING = (
    Action.REPLY,
    Action.COMMENT,
    Action.NOTE,
    Action.ACTIVITY,
    Action.REQUEST_APPROVAL,
    Action.SET_RESOLUTION,
    Action.LOG_TIME,
    Action.ATTACH,
    Action.EDIT,
)


def facts(
    status: Status,
    owner: Actor | None = None,
    creator: Actor = ALICE,
    amc: AmcState = AmcState.OK,
) -> TicketFacts:
    return TicketFacts(
        number=NUMBER,
        status=status,
        owner_id=owner.id if owner else None,
        owner_name=owner.username if owner else None,
        creator_id=creator.id,
        amc_state=amc,
        account_name="Oldco" if amc is not AmcState.OK else "Acme Ltd",
        amc_expires="2025-12-31" if amc is not AmcState.OK else "2027-01-01",
    )


def spec_verdict(
    action: Action, actor: Actor, ticket: TicketFacts, assignee: Assignee | None = None
) -> str | None:
    """The design's table: ``None`` when allowed, else the kind of reason it is refused."""
    boss = actor.role in (Role.LEAD, Role.ADMIN)
    closed = ticket.status is Status.CLOSED
    owned = ticket.owner_id is not None
    owner_ok = not owned or ticket.owner_id == actor.id or boss
    if action in ADDING:
        return None
    if action is Action.ASSIGN:
        assert assignee is not None
        if closed:
            return "status"
        if not assignee.active or assignee.id == ticket.owner_id:
            return "assignee"
        if boss:
            return None
        if owned and ticket.owner_id != actor.id:
            return "owner"  # agents do not take a colleague's ticket away
        same_team = actor.team_id is not None and assignee.team_id == actor.team_id
        return None if assignee.id == actor.id or same_team else "role"
    if action is Action.PICK_UP:
        if closed:
            return "status"
        return "owned" if owned else None
    if action is Action.RELEASE:
        if closed:
            return "status"
        if not owned:
            return "unowned"
        return None if ticket.owner_id == actor.id or boss else "owner"
    if action in (Action.SCHEDULE, Action.START, Action.CLOSE):
        if (ticket.status, action) not in TABLE_MOVES:
            return "status"
        if action is Action.SCHEDULE and not owned:
            return "unowned"
        if not owner_ok:
            return "owner"
        if action is not Action.CLOSE and ticket.amc_state is AmcState.EXPIRED:
            return "amc"
        return None
    if action is Action.REOPEN:
        if not closed:
            return "status"
        return None if ticket.creator_id == actor.id or boss else "role"
    if action is Action.MERGE:
        if not boss:
            return "role"
        return None  # from any status, as the table says
    if action is Action.SPLIT:
        if boss or (owned and ticket.owner_id == actor.id):
            return None  # from any status: the messages move, the status stays
        return "owner" if owned else "unowned"
    if action is Action.DELETE:
        return None if actor.role is Role.ADMIN else "role"
    raise AssertionError(action)


def every_ticket(status: Status) -> list[TicketFacts]:
    owners: list[Actor | None] = [None, *ACTORS]
    return [
        facts(status, owner, creator, amc)
        for owner, creator, amc in itertools.product(owners, (ALICE, CARL), AmcState)
    ]


def assert_sentence(kind: str, sentence: str, action: Action, ticket: TicketFacts) -> None:
    """What a refusal of each kind must tell the person."""
    assert f"#{ticket.number}" in sentence, sentence
    assert sentence.endswith("."), sentence
    if kind == "status":
        assert f"#{ticket.number} is {ticket.status.value}." in sentence, sentence
        assert sentence.startswith(ACTION_NAMES[action]), sentence
    elif kind == "owner":
        assert f"({ticket.owner_name})" in sentence, sentence
    elif kind == "owned":
        assert f"owned by {ticket.owner_name}" in sentence or "already yours" in sentence
    elif kind == "unowned":
        assert f"#{ticket.number} is unassigned" in sentence, sentence
    elif kind == "amc":
        assert "AMC exception" in sentence and ticket.account_name in sentence, sentence
        assert f"expired on {ticket.amc_expires}" in sentence, sentence


# -- every status x action -------------------------------------------------------------------


@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("status", list(Status), ids=str)
def test_every_status_and_action_follows_the_table(status: Status, action: Action) -> None:
    checked = refused = 0
    for ticket, actor in itertools.product(every_ticket(status), ACTORS):
        for assignee in ASSIGNEES if action is Action.ASSIGN else (None,):
            expected = spec_verdict(action, actor, ticket, assignee)
            got = refusal(action, actor, ticket, assignee=assignee)
            assert (got is None) == (expected is None), (actor, ticket, assignee, got)
            if got is not None:
                assert expected is not None
                assert_sentence(expected, got, action, ticket)
                refused += 1
            checked += 1
    assert checked > 0
    # Every action is refused to someone somewhere except the additions, which never are.
    assert (refused == 0) == (action in ADDING)


@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("status", list(Status), ids=str)
def test_where_each_action_leads(status: Status, action: Action) -> None:
    expected = TABLE_MOVES.get((status, action), status)
    if action in (Action.SCHEDULE, Action.START, Action.CLOSE, Action.REOPEN):
        allowed = refusal(action, ROOT, facts(status, owner=ROOT)) is None
        assert allowed == ((status, action) in TABLE_MOVES)
        if allowed:
            assert next_status(action, status) is expected
    else:
        assert next_status(action, status) is status


# -- the sentences a person reads ------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "sentence"),
    [
        (Action.START, Status.NEW, "Start needs a Scheduled ticket; #1042 is New."),
        (Action.START, Status.REOPEN, "Start needs a Scheduled ticket; #1042 is ReOpen."),
        (Action.START, Status.IN_PROGRESS, "Start needs a Scheduled ticket; #1042 is InProgress."),
        (Action.START, Status.CLOSED, "Start needs a Scheduled ticket; #1042 is Closed."),
        (
            Action.SCHEDULE,
            Status.SCHEDULED,
            "Schedule needs a New or ReOpen ticket; #1042 is Scheduled.",
        ),
        (
            Action.SCHEDULE,
            Status.IN_PROGRESS,
            "Schedule needs a New or ReOpen ticket; #1042 is InProgress.",
        ),
        (Action.SCHEDULE, Status.CLOSED, "Schedule needs a New or ReOpen ticket; #1042 is Closed."),
        (Action.REOPEN, Status.NEW, "Reopen needs a Closed ticket; #1042 is New."),
        (Action.REOPEN, Status.SCHEDULED, "Reopen needs a Closed ticket; #1042 is Scheduled."),
        (Action.REOPEN, Status.IN_PROGRESS, "Reopen needs a Closed ticket; #1042 is InProgress."),
        (Action.REOPEN, Status.REOPEN, "Reopen needs a Closed ticket; #1042 is ReOpen."),
        (Action.PICK_UP, Status.CLOSED, "Pick up needs an open ticket; #1042 is Closed."),
        (Action.RELEASE, Status.CLOSED, "Release needs an open ticket; #1042 is Closed."),
    ],
)
def test_status_refusals_name_the_ticket_and_its_state(
    action: Action, status: Status, sentence: str
) -> None:
    ticket = facts(status, owner=LENA if action is Action.RELEASE else None)
    if action is Action.PICK_UP:
        ticket = facts(status)
    assert refusal(action, LENA, ticket) == sentence


def test_close_of_a_closed_ticket_says_it_is_closed() -> None:
    why = refusal(Action.CLOSE, ROOT, facts(Status.CLOSED))
    assert why is not None
    assert why.startswith("Close needs")
    assert why.endswith("#1042 is Closed.")


def test_assign_of_a_closed_ticket_says_it_is_closed() -> None:
    bob = ASSIGNEES[3]
    assert refusal(Action.ASSIGN, LENA, facts(Status.CLOSED), assignee=bob) == (
        "Assign needs an open ticket; #1042 is Closed."
    )


def test_ownership_refusals_say_who_owns_it() -> None:
    assert refusal(Action.PICK_UP, ALICE, facts(Status.NEW, owner=BOB)) == (
        "Pick up needs an unassigned ticket; #1042 is owned by bob."
    )
    assert refusal(Action.PICK_UP, BOB, facts(Status.NEW, owner=BOB)) == "#1042 is already yours."
    assert refusal(Action.RELEASE, ALICE, facts(Status.NEW)) == (
        "Release needs an owned ticket; #1042 is unassigned."
    )
    assert refusal(Action.RELEASE, ALICE, facts(Status.NEW, owner=BOB)) == (
        "Release of #1042 is for its owner (bob) or a lead."
    )
    assert refusal(Action.SCHEDULE, ALICE, facts(Status.NEW)) == (
        "Schedule needs an owner; #1042 is unassigned. Pick it up or assign it first."
    )
    for action in (Action.SCHEDULE, Action.CLOSE):
        assert refusal(action, ALICE, facts(Status.NEW, owner=BOB)) == (
            f"{ACTION_NAMES[action]} on #1042 is for its owner (bob) or a lead; "
            "ask them or have it assigned to you."
        )
    assert refusal(Action.START, CARL, facts(Status.SCHEDULED, owner=BOB)) == (
        "Start on #1042 is for its owner (bob) or a lead; ask them or have it assigned to you."
    )


def test_role_refusals() -> None:
    closed = facts(Status.CLOSED, creator=ALICE)
    assert refusal(Action.REOPEN, BOB, closed) == (
        "Reopen of #1042 is for the agent who created it or a lead."
    )
    assert refusal(Action.MERGE, ALICE, facts(Status.NEW)) == (
        "Merge is for leads and admins; ask a lead to merge #1042."
    )
    for who in (LENA, ALICE, NINA):
        assert refusal(Action.DELETE, who, facts(Status.NEW)) == (
            "Delete is for admins; #1042 was not deleted."
        )
    carl = ASSIGNEES[5]
    assert refusal(Action.ASSIGN, ALICE, facts(Status.NEW), assignee=carl) == (
        "Agents assign within their own team; carl is not in your team. Ask a lead to assign #1042."
    )
    bob = ASSIGNEES[3]
    assert refusal(Action.ASSIGN, LONER, facts(Status.NEW), assignee=bob) is not None
    assert refusal(Action.ASSIGN, LENA, facts(Status.NEW, owner=BOB), assignee=bob) == (
        "#1042 is already assigned to bob."
    )
    assert refusal(Action.ASSIGN, LENA, facts(Status.NEW), assignee=GONE) == (
        "gone is not an active agent; #1042 cannot be assigned to them."
    )


# -- role rules, one by one ------------------------------------------------------------------


def test_assign_leads_and_admins_to_anyone_agents_within_their_team() -> None:
    ticket = facts(Status.NEW)
    by_name = {a.username: a for a in ASSIGNEES}
    for boss in (ROOT, LENA, NINA):
        for target in ("root", "lena", "alice", "bob", "nina", "carl", "loner"):
            assert refusal(Action.ASSIGN, boss, ticket, assignee=by_name[target]) is None
    assert refusal(Action.ASSIGN, ALICE, ticket, assignee=by_name["bob"]) is None
    assert refusal(Action.ASSIGN, ALICE, ticket, assignee=by_name["lena"]) is None
    assert refusal(Action.ASSIGN, ALICE, ticket, assignee=by_name["alice"]) is None
    for outsider in ("carl", "nina", "root", "loner"):
        assert refusal(Action.ASSIGN, ALICE, ticket, assignee=by_name[outsider]) is not None
    assert refusal(Action.ASSIGN, CARL, ticket, assignee=by_name["nina"]) is None
    assert refusal(Action.ASSIGN, CARL, ticket, assignee=by_name["bob"]) is not None
    # An agent in no team may only take it themselves.
    assert refusal(Action.ASSIGN, LONER, ticket, assignee=by_name["loner"]) is None
    assert refusal(Action.ASSIGN, LONER, ticket, assignee=by_name["alice"]) is not None


def test_release_by_owner_or_lead() -> None:
    ticket = facts(Status.IN_PROGRESS, owner=ALICE)
    for who in (ALICE, LENA, NINA, ROOT):
        assert refusal(Action.RELEASE, who, ticket) is None
    for who in (BOB, CARL, LONER):
        assert refusal(Action.RELEASE, who, ticket) is not None


def test_reopen_by_creator_lead_or_admin() -> None:
    ticket = facts(Status.CLOSED, creator=CARL)
    for who in (CARL, LENA, NINA, ROOT):
        assert refusal(Action.REOPEN, who, ticket) is None
    for who in (ALICE, BOB, LONER):
        assert refusal(Action.REOPEN, who, ticket) is not None
    # Owning a ticket is not creating it.
    assert refusal(Action.REOPEN, ALICE, replace(ticket, owner_id=ALICE.id)) is not None


def test_merge_lead_or_admin_delete_admin_only() -> None:
    ticket = facts(Status.NEW)
    assert [w.username for w in ACTORS if refusal(Action.MERGE, w, ticket) is None] == [
        "root",
        "lena",
        "nina",
    ]
    assert [w.username for w in ACTORS if refusal(Action.DELETE, w, ticket) is None] == ["root"]
    for status in Status:
        assert refusal(Action.DELETE, ROOT, facts(status)) is None


def test_merge_from_any_status_as_the_table_says() -> None:
    assert refusal(Action.MERGE, LENA, facts(Status.CLOSED)) is None


@pytest.mark.parametrize("action", [Action.SCHEDULE, Action.START, Action.CLOSE])
def test_owner_rule_for_stage_changes(action: Action) -> None:
    start = Status.SCHEDULED if action is Action.START else Status.NEW
    ticket = facts(start, owner=ALICE)
    for who in (ALICE, LENA, NINA, ROOT):
        assert refusal(action, who, ticket) is None, who
    for who in (BOB, CARL, LONER):
        why = refusal(action, who, ticket)
        assert why is not None and "(alice)" in why and "#1042" in why


def test_unowned_tickets_may_be_started_or_closed_by_anyone_but_not_scheduled() -> None:
    assert refusal(Action.START, BOB, facts(Status.SCHEDULED)) is None
    assert refusal(Action.CLOSE, BOB, facts(Status.NEW)) is None
    assert refusal(Action.SCHEDULE, ROOT, facts(Status.NEW)) is not None


@pytest.mark.parametrize("action", [Action.SCHEDULE, Action.START])
def test_amc_gate(action: Action) -> None:
    start = Status.SCHEDULED if action is Action.START else Status.NEW
    expired = facts(start, owner=ALICE, amc=AmcState.EXPIRED)
    for who in (ALICE, LENA, ROOT):  # not even an admin passes the gate without the approval
        assert refusal(action, who, expired) == (
            f"{ACTION_NAMES[action]} needs an approved AMC exception; the support contract of "
            "Oldco expired on 2025-12-31. Request an approval on #1042 from a lead."
        )
    assert refusal(action, ALICE, replace(expired, amc_state=AmcState.EXCEPTION)) is None
    assert refusal(action, ALICE, replace(expired, amc_state=AmcState.OK)) is None
    # Without the account facts the sentence still makes sense.
    bare = replace(expired, account_name=None, amc_expires=None)
    why = refusal(action, ALICE, bare)
    assert why is not None and "its account expired." in why


def test_amc_gate_does_not_hold_back_anything_else() -> None:
    expired = facts(Status.NEW, owner=ALICE, amc=AmcState.EXPIRED)
    for action in (*ADDING, Action.CLOSE, Action.RELEASE, Action.ASSIGN):
        assignee = ASSIGNEES[3] if action is Action.ASSIGN else None
        assert refusal(action, ALICE, expired, assignee=assignee) is None, action


def test_allowed_actions_agree_with_refusal() -> None:
    for status in Status:
        for ticket, actor in itertools.product(every_ticket(status), ACTORS):
            actions = allowed_actions(actor, ticket)
            assert set(actions) == set(Action)
            for action, why in actions.items():
                if action is Action.ASSIGN:
                    # "Assign to someone": open, and (for agents) unassigned or their own.
                    boss = actor.role in (Role.LEAD, Role.ADMIN)
                    mine = ticket.owner_id in (None, actor.id)
                    assert (why is None) == (status is not Status.CLOSED and (boss or mine))
                else:
                    assert why == refusal(action, actor, ticket)


def test_stages_are_read_as_people_type_them() -> None:
    assert check_stage("inprogress") == Status.IN_PROGRESS.value
    assert check_stage("In Progress") == Status.IN_PROGRESS.value
    assert check_stage("re-open") == Status.REOPEN.value
    assert check_stage("CLOSED") == Status.CLOSED.value
    assert check_stage("all") == "All" == STAGES[-1]
    with pytest.raises(BadValue, match="Unknown stage 'done'"):
        check_stage("done")


# -- random walks through the table ----------------------------------------------------------


class TicketLife(RuleBasedStateMachine):
    """Random agents take random actions on one ticket; the rules must agree with the table
    and the ticket must only ever move along the table's transitions."""

    @initialize(
        creator=st.sampled_from(ACTORS),
        amc=st.sampled_from([AmcState.OK, AmcState.EXPIRED]),
    )
    def open_ticket(self, creator: Actor, amc: AmcState) -> None:
        self.ticket = facts(Status.NEW, creator=creator, amc=amc)
        self.deleted = False
        self.moves: list[tuple[Status, Action, Status]] = []

    def _apply(self, action: Action, actor: Actor, assignee: Assignee | None = None) -> None:
        if self.deleted:
            return
        before = self.ticket
        why = refusal(action, actor, before, assignee=assignee)
        expected = spec_verdict(action, actor, before, assignee)
        assert (why is None) == (expected is None), (action, actor, before, why)
        if why is not None:
            assert_sentence(expected or "", why, action, before)
            return
        status = next_status(action, before.status)
        if action is Action.SCHEDULE:
            assert before.owner_id is not None
        owner_id, owner_name = before.owner_id, before.owner_name
        if action is Action.ASSIGN:
            assert assignee is not None
            owner_id, owner_name = assignee.id, assignee.username
        elif action is Action.PICK_UP:
            owner_id, owner_name = actor.id, actor.username
        elif action is Action.RELEASE:
            owner_id = owner_name = None
        elif action is Action.MERGE:
            status = Status.CLOSED
        elif action is Action.DELETE:
            self.deleted = True
        self.moves.append((before.status, action, status))
        self.ticket = replace(before, status=status, owner_id=owner_id, owner_name=owner_name)

    @rule(
        actor=st.sampled_from(ACTORS),
        action=st.sampled_from([a for a in Action if a is not Action.ASSIGN]),
    )
    def act(self, actor: Actor, action: Action) -> None:
        self._apply(action, actor)

    @rule(actor=st.sampled_from(ACTORS), assignee=st.sampled_from(ASSIGNEES))
    def assign(self, actor: Actor, assignee: Assignee) -> None:
        self._apply(Action.ASSIGN, actor, assignee)

    @rule(decider=st.sampled_from(ACTORS))
    def decide_amc_exception(self, decider: Actor) -> None:
        # Only a lead or an admin can approve an AMC exception, and only an expired one.
        if decider.is_lead_or_admin and self.ticket.amc_state is AmcState.EXPIRED:
            self.ticket = replace(self.ticket, amc_state=AmcState.EXCEPTION)

    @invariant()
    def status_only_moves_along_the_table(self) -> None:
        for before, action, after in getattr(self, "moves", []):
            if before is not after:
                if action is Action.MERGE:
                    assert after is Status.CLOSED
                else:
                    assert TABLE_MOVES[(before, action)] is after

    @invariant()
    def expired_contract_never_gets_worked(self) -> None:
        ticket = getattr(self, "ticket", None)
        if ticket is not None and ticket.amc_state is AmcState.EXPIRED:
            assert ticket.status in (Status.NEW, Status.CLOSED, Status.REOPEN)


TicketLife.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    database=None,  # no example files left in the checkout
    suppress_health_check=[HealthCheck.too_slow],
)
test_ticket_life = TicketLife.TestCase
