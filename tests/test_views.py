"""Views shared with a team: stored in the database, seen by the team's members only, and
counted within each viewer's scope."""

from __future__ import annotations

import pytest

from console.data.errors import BadValue, Refused
from console.data.filters import FilterError, build_filter
from console.data.queries import QueueQuery
from console.data.views import TeamViews
from tests.conftest import Desk


async def test_a_shared_view_is_seen_by_the_team_only(desk: Desk) -> None:
    shared = await TeamViews(desk.db, desk.actors["alice"]).share(
        "Urgent billing", "prio:high   -status:closed", "due"
    )
    assert shared.filter == "prio:high -status:closed"  # kept in its canonical spelling
    assert shared.team == "Billing" and shared.key == "team:Urgent billing"
    seen = await TeamViews(desk.db, desk.actors["lena"]).list()
    assert [(v.name, v.filter, v.sort, v.team) for v in seen] == [
        ("Urgent billing", "prio:high -status:closed", "due", "Billing")
    ]
    assert await TeamViews(desk.db, desk.actors["carl"]).list() == []


async def test_sharing_again_replaces_and_remove_stops_sharing(desk: Desk) -> None:
    views = TeamViews(desk.db, desk.actors["alice"])
    await views.share("Mine", "owner:me")
    await views.share("Mine", "owner:me status:new", columns=["#", "Subject"])
    (view,) = await views.list()
    assert (view.filter, view.columns) == ("owner:me status:new", ("#", "Subject"))
    # A teammate may neither replace nor remove what alice shared; a lead of the team may.
    with pytest.raises(Refused, match="lead or admin"):
        await TeamViews(desk.db, desk.actors["bob"]).remove("Mine")
    with pytest.raises(Refused, match="only whoever shared it"):
        await TeamViews(desk.db, desk.actors["bob"]).share("Mine", "prio:low")
    await TeamViews(desk.db, desk.actors["lena"]).remove("Mine")
    assert await views.list() == []


@pytest.mark.parametrize(
    ("name", "text", "sort", "problem"),
    [
        ("", "owner:me", "updated", "needs a name"),
        ("x", "stat:new", "updated", "did you mean 'status'"),
        ("x", "owner:me", "sideways", "Unknown sort"),
    ],
)
async def test_a_bad_view_is_refused_with_the_reason(
    desk: Desk, name: str, text: str, sort: str, problem: str
) -> None:
    with pytest.raises(BadValue, match=problem):
        await TeamViews(desk.db, desk.actors["alice"]).share(name, text, sort)
    assert await TeamViews(desk.db, desk.actors["alice"]).list() == []


async def test_a_saved_view_counts_within_each_viewers_scope(desk: Desk) -> None:
    billing = [await desk.ticket("alice", subject=f"Refund {i}", priority="High") for i in range(3)]
    await desk.ticket("carl", department="Network", account="Oldco", subject="Refund router",
                      priority="High")  # fmt: skip
    await TeamViews(desk.db, desk.actors["alice"]).share("High", "prio:high")
    for who, expected in (("alice", 3), ("root", 4), ("carl", 1)):
        queries = desk.service(who).queries
        counts = await queries.view_counts({"team:High": QueueQuery(filters=("prio:high",))})
        assert counts["team:High"] == expected, who
    rows = await desk.service("alice").queries.window(QueueQuery(filters=("prio:high",)))
    assert sorted(r.number for r in rows) == billing
    with pytest.raises(FilterError):
        await build_filter("owner:nobody-here", desk.db, desk.actors["alice"].id)
