"""The lead's figures (console.data.figures), checked against a computation in Python from
the tickets, events and time entries the database holds."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from console.data.errors import BadValue
from console.data.figures import Figures, Period, Rates
from console.data.models import Account, Agent, Event, SlaBreach, Ticket, TimeEntry
from tests.conftest import Desk

PERIOD = Period(date(2026, 3, 1), date(2026, 3, 7))


async def _busy_week(desk: Desk) -> dict[str, int]:
    """A week of work: tickets created on three days, answered, closed, reopened, time
    logged, one breach and one approval waiting."""
    n: dict[str, int] = {}
    n["fast"] = await desk.ticket(priority="High", subject="Fast")
    n["slow"] = await desk.ticket(priority="Medium", subject="Slow")
    n["later"] = await desk.ticket(priority="Low", subject="Later")
    n["network"] = await desk.ticket("carl", department="Network", account="Oldco")
    alice, bob = desk.service("alice"), desk.service("bob")
    await alice.pick_up(n["fast"])
    await bob.pick_up(n["slow"])
    desk.clock.advance(minutes=30)
    await alice.reply(n["fast"], "On it")
    desk.clock.advance(minutes=90)
    await bob.reply(n["slow"], "Looking")
    await alice.log_time(n["fast"], 90, billable=True)
    await bob.log_time(n["slow"], 30)
    desk.clock.advance(days=1)  # 3 March
    await alice.close(n["fast"])
    await desk.service("lena").reopen(n["fast"])
    await alice.close(n["fast"])
    n["tuesday"] = await desk.ticket("bob", priority="High", subject="Tuesday")
    await bob.pick_up(n["tuesday"])
    desk.clock.advance(hours=5)  # Tuesday's High ticket is now past due
    await bob.request_approval(n["slow"], ["lena"], "Refund")
    desk.clock.advance(days=3)  # 6 March
    await bob.close(n["tuesday"])
    return n


async def _rows(desk: Desk) -> tuple[list[Ticket], list[Event], list[TimeEntry], dict[int, str]]:
    async with desk.db.read() as session:
        tickets = list((await session.execute(select(Ticket))).scalars())
        events = list((await session.execute(select(Event))).scalars())
        entries = list((await session.execute(select(TimeEntry))).scalars())
        names = dict((await session.execute(select(Agent.id, Agent.username))).all())
    return tickets, events, entries, names


def _nearest_rank(values: list[float], p: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(p * len(ordered)) - 1])


def _in(moment: datetime | None, period: Period) -> bool:
    return moment is not None and period.since <= moment < period.until


async def test_the_figures_agree_with_the_tickets(desk: Desk) -> None:
    n = await _busy_week(desk)
    tickets, events, entries, names = await _rows(desk)
    figures = Figures(desk.db, desk.actors["root"], clock=desk.clock)
    now = desk.clock.now

    days = await figures.per_day(PERIOD)
    created = Counter(t.created_at.date() for t in tickets)
    closed = Counter(t.closed_at.date() for t in tickets if t.closed_at)
    assert [(d.day, d.created, d.closed) for d in days] == [
        (day, created.get(day, 0), closed.get(day, 0)) for day in PERIOD.days()
    ]
    assert days[1].created == 4 and days[2].closed == 1  # the sample is what it says

    backlog = {row.stage: row for row in await figures.backlog(PERIOD)}
    for stage in ("New", "InProgress", "ReOpen", "Scheduled"):
        open_ones = [t for t in tickets if t.status == stage]
        assert backlog[stage].total == len(open_ones)
        ages = Counter(
            "0-1 d"
            if now - t.created_at < timedelta(days=1)
            else "1-3 d"
            if now - t.created_at < timedelta(days=3)
            else "3-7 d"
            if now - t.created_at < timedelta(days=7)
            else "> 7 d"
            for t in open_ones
        )
        assert backlog[stage].by_age == {
            band: ages.get(band, 0) for band in ("0-1 d", "1-3 d", "3-7 d", "> 7 d")
        }

    first, resolution = await figures.response_times(PERIOD)
    responses = [
        (t.first_response_at - t.created_at).total_seconds()
        for t in tickets
        if t.first_response_at and _in(t.created_at, PERIOD)
    ]
    resolved = [
        (t.closed_at - t.created_at).total_seconds() for t in tickets if _in(t.closed_at, PERIOD)
    ]
    assert (first.count, first.median_s, first.p90_s) == (
        len(responses),
        _nearest_rank(responses, 0.5),
        _nearest_rank(responses, 0.9),
    )
    assert first.median_s == 1800  # alice answered in 30 min, bob in 2 h
    assert (resolution.count, resolution.median_s, resolution.p90_s) == (
        len(resolved),
        _nearest_rank(resolved, 0.5),
        _nearest_rank(resolved, 0.9),
    )

    breaches = await figures.breaches(PERIOD)
    async with desk.db.read() as session:
        recorded = list((await session.execute(select(SlaBreach.ticket_number))).scalars())
    assert sorted(b.number for b in breaches) == sorted(recorded)
    assert [b.due_at for b in breaches] == sorted(b.due_at for b in breaches)
    # The Tuesday ticket breached, and so did every ticket left open past its due time.
    assert n["tuesday"] in recorded
    missed = {
        t.number
        for t in tickets
        if t.due_at < now and (t.closed_at is None or t.closed_at > t.due_at)
    }
    # "fast" missed its first due time, was closed late and reopened: the reopen started
    # its SLA again, so its due time now is after its last close, yet the breach stays.
    assert n["fast"] not in missed
    assert {b.number for b in breaches} == missed | {n["fast"]}

    by_agent = {a.agent: a for a in await figures.agents(PERIOD)}
    for username in ("alice", "bob", "carl"):
        agent_id = next(i for i, name in names.items() if name == username)
        owned = [t for t in tickets if t.owner_id == agent_id]
        figure = by_agent[username]
        assert figure.open == sum(1 for t in owned if t.status != "Closed")
        assert figure.closed == sum(1 for t in owned if _in(t.closed_at, PERIOD))
        assert figure.reopened == len(
            {
                e.ticket_id
                for e in events
                if e.action == "reopen" and e.ticket_id in {t.id for t in owned}
            }
        )
        assert figure.billable_min == sum(
            e.minutes for e in entries if e.agent_id == agent_id and e.billable
        )
        assert figure.non_billable_min == sum(
            e.minutes for e in entries if e.agent_id == agent_id and not e.billable
        )
        assert figure.availability == "available"
    assert by_agent["alice"].first_response_median_s == 1800
    assert by_agent["alice"].reopen_rate == 1.0
    assert by_agent["bob"].open_by_stage["New"] == 1

    pending = await figures.approvals(PERIOD)
    assert [(p.number, p.waited_s) for p in pending] == [(n["slow"], 3 * 86400)]


async def test_a_lead_sees_its_own_teams_figures(desk: Desk) -> None:
    n = await _busy_week(desk)
    lena = Figures(desk.db, desk.actors["lena"], clock=desk.clock)
    days = await lena.per_day(PERIOD)
    assert sum(d.created for d in days) == 4  # not carl's Network ticket
    assert "carl" not in {a.agent for a in await lena.agents(PERIOD)}
    admin = Figures(desk.db, desk.actors["root"], clock=desk.clock)
    network = Period(PERIOD.start, PERIOD.end, department="network")
    assert sum(d.created for d in await admin.per_day(network)) == 1
    assert [a.agent for a in await admin.agents(network)] == ["carl", "nina"]
    team = Period(PERIOD.start, PERIOD.end, team="Billing")
    backlog = await admin.backlog(team)
    # The team's tickets are those its members own: slow (bob's) is open; later is not owned.
    assert sum(row.total for row in backlog) == 1
    assert n["later"]
    with pytest.raises(BadValue, match="No team 'Sales'; teams: Billing, Network"):
        await admin.per_day(Period(PERIOD.start, PERIOD.end, team="Sales"))
    # The dashboard reads its figures side by side: the refusal is still the one said.
    with pytest.raises(BadValue, match="No team 'Sales'; teams: Billing, Network"):
        await admin.dashboard(Period(PERIOD.start, PERIOD.end, team="Sales"))
    with pytest.raises(BadValue, match="ends"):
        Period(date(2026, 3, 2), date(2026, 3, 1))


async def test_billing_uses_the_accounts_own_rates_over_the_desks(desk: Desk) -> None:
    await _busy_week(desk)
    async with desk.db.write() as session:
        acme = (
            await session.execute(select(Account).where(Account.name == "Acme Ltd"))
        ).scalar_one()
        acme.hourly_rate_cents = 12000
    bills = await Figures(desk.db, desk.actors["root"], clock=desk.clock).billing(
        PERIOD, Rates(hourly_cents=6000, ticket_cents=2500)
    )
    # Acme: fast and tuesday closed; 90 billable minutes at 120.00 an hour.
    assert [(b.account, b.tickets, b.billable_min, b.amount_cents) for b in bills] == [
        ("Acme Ltd", 2, 90, 2 * 2500 + 18000)
    ]
