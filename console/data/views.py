"""Saved views: a name, a filter (the filter language), a sort and the queue's columns.

One's own views live in the config file (``[[views]]``); views shared with a team are
stored here, in the database, and every member of the team sees them.  A view never shows
more than its viewer's scope: its filter narrows the viewer's "All Tickets".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from console.data.acting import Acting
from console.data.errors import BadValue, NotFound, Refused
from console.data.filters import normalise, parse_filter
from console.data.models import SavedView, Team
from console.data.queries import SORTS


@dataclass(frozen=True)
class ViewSpec:
    """A saved view as the console shows it."""

    name: str
    filter: str
    sort: str = "updated"
    columns: tuple[str, ...] = ()
    #: the team it is shared with (None: one's own, from the config file)
    team: str | None = None

    @property
    def key(self) -> str:
        """Its key among the queue's views (never clashes with the built-in ones)."""
        return f"{'team' if self.team else 'mine'}:{self.name}"


def checked(name: str, filter_text: str, sort: str) -> tuple[str, str, str]:
    """A view's name, canonical filter and sort, or BadValue (FilterError) saying why not."""
    name = name.strip()
    if not name:
        raise BadValue("A saved view needs a name.")
    if len(name) > 100:
        raise BadValue("A view's name has at most 100 characters.")
    if sort not in SORTS:
        raise BadValue(f"Unknown sort {sort!r}; use one of: {', '.join(SORTS)}.")
    return name, normalise(parse_filter(filter_text)), sort


class TeamViews(Acting):
    """The views shared with the acting agent's team."""

    async def list(self) -> list[ViewSpec]:
        """Every view shared with the agent's team, by name."""
        if self.actor.team_id is None:
            return []
        async with self.db.read() as session:
            rows = await session.execute(
                select(SavedView, Team.name)
                .join(Team, Team.id == SavedView.team_id)
                .where(SavedView.team_id == self.actor.team_id)
                .order_by(SavedView.name)
            )
            return [
                ViewSpec(
                    view.name,
                    view.filter,
                    view.sort,
                    tuple(c for c in (view.columns or "").split(",") if c),
                    team,
                )
                for view, team in rows
            ]

    async def share(
        self, name: str, filter_text: str, sort: str = "updated", columns: Sequence[str] = ()
    ) -> ViewSpec:
        """Share a view with the agent's team (replacing one of the same name)."""
        if self.actor.team_id is None:
            raise Refused(f"{self.actor.username} is in no team to share a view with.")
        name, filter_text, sort = checked(name, filter_text, sort)
        async with self.db.write() as session:
            view = (
                await session.execute(
                    select(SavedView).where(
                        SavedView.team_id == self.actor.team_id, SavedView.name == name
                    )
                )
            ).scalar_one_or_none()
            if view is None:
                view = SavedView(team_id=self.actor.team_id, name=name)
                session.add(view)
            elif not self.may_remove(view.created_by):
                raise Refused(
                    f"Your team has a view named {name!r} already; only whoever shared it, "
                    "or a lead or admin of the team, may replace it."
                )
            view.filter = filter_text
            view.sort = sort
            view.columns = ",".join(columns) or None
            view.created_by = self.actor.id
            view.created_at = self.clock()
            team = (
                await session.execute(select(Team.name).where(Team.id == self.actor.team_id))
            ).scalar_one()
        return ViewSpec(name, filter_text, sort, tuple(columns), team)

    async def remove(self, name: str) -> None:
        """Stop sharing a view: whoever shared it may, and the team's leads and admins."""
        async with self.db.write() as session:
            view = (
                await session.execute(
                    select(SavedView).where(
                        SavedView.team_id == self.actor.team_id, SavedView.name == name
                    )
                )
            ).scalar_one_or_none()
            if view is None or self.actor.team_id is None:
                raise NotFound(f"Your team has no view named {name!r}.")
            if not self.may_remove(view.created_by):
                raise Refused(
                    f"Only whoever shared the view {name!r}, or a lead or admin of the team, "
                    "may remove it."
                )
            await session.execute(delete(SavedView).where(SavedView.id == view.id))

    def may_remove(self, created_by: int | None) -> bool:
        """Whether the acting agent may remove a team view shared by ``created_by``."""
        return self.actor.is_lead_or_admin or created_by == self.actor.id
