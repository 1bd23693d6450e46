"""``agent-console views list|add|remove``: saved views, one's own (in the config file)
and those shared with one's team (in the database), as the console's view list has them."""

from __future__ import annotations

import argparse
import asyncio

from console.cli.output import out, print_json, table
from console.cli.parser import Commands, common, group, json_flag
from console.cli.session import Session, in_session
from console.data.queries import SORTS


def register(commands: Commands) -> None:
    """``views list``, ``views add`` and ``views remove``."""
    views = group(commands, "views", "saved views: yours and your team's", "views_command")
    listing = views.add_parser("list", help="your views and those shared with your team")
    add = views.add_parser("add", help="save a filter as a view (--team: share it)")
    add.add_argument("name")
    add.add_argument("--filter", required=True, metavar="FILTER", help="as typed at /")
    add.add_argument("--sort", choices=SORTS, default="updated")
    remove = views.add_parser("remove", help="remove one of your views (--team: a team view)")
    remove.add_argument("name")
    for parser, run in ((listing, _list), (add, _add), (remove, _remove)):
        common(parser)
        json_flag(parser)
        if parser is not listing:
            parser.add_argument(
                "--team", action="store_true", help="the view shared with your team"
            )
        parser.set_defaults(run=in_session(run))


def _view_json(name: str, filter_text: str, sort: str, team: str | None) -> dict[str, object]:
    return {"name": name, "filter": filter_text, "sort": sort, "team": team}


async def _list(args: argparse.Namespace, session: Session) -> int:
    from console.data.views import TeamViews

    mine = [_view_json(v.name, v.filter, v.sort, None) for v in session.settings.views]
    shared = [
        _view_json(v.name, v.filter, v.sort, v.team)
        for v in await TeamViews(session.db, session.actor).list()
    ]
    if args.json:
        print_json(mine + shared)
    else:
        table(
            ("VIEW", "SHARED WITH", "SORT", "FILTER"),
            ((v["name"], v["team"] or "-", v["sort"], v["filter"]) for v in mine + shared),
        )
    return 0


async def _add(args: argparse.Namespace, session: Session) -> int:
    from console.config import SavedView, append_view
    from console.data.errors import BadValue
    from console.data.queries import VIEWS, Queries
    from console.data.views import TeamViews, checked

    name, filter_text, sort = checked(args.name, args.filter, args.sort)
    if name.casefold() in {v.casefold() for v in VIEWS.values()}:
        raise BadValue(f"{name} is a built-in view; choose another name.")
    # Names in it (owner:zed) must be known now, not when the view is opened.
    await Queries(session.db, session.actor).check_filter(filter_text)
    team = None
    if args.team:
        team = (await TeamViews(session.db, session.actor).share(name, filter_text, sort)).team
        where = f"shared with team {team}"
    else:
        if any(v.name.casefold() == name.casefold() for v in session.settings.views):
            raise BadValue(f"You have a view named {name!r} already; remove it first.")
        view = SavedView(name, filter_text, sort)
        path = await asyncio.to_thread(append_view, view, session.settings.source)
        where = f"saved in {path}"
    if args.json:
        print_json(_view_json(name, filter_text, sort, team))
    else:
        out(f"View {name!r} ({filter_text}), {where}.")
    return 0


async def _remove(args: argparse.Namespace, session: Session) -> int:
    from console.config import remove_view
    from console.data.errors import NotFound
    from console.data.views import TeamViews

    if args.team:
        await TeamViews(session.db, session.actor).remove(args.name)
        where = "no longer shared with your team"
    else:
        view = next((v for v in session.settings.views if v.name == args.name), None)
        if view is None or session.settings.source is None:
            raise NotFound(
                f"You have no view named {args.name!r} (`agent-console views list` shows "
                "them; add --team for a team view)."
            )
        path = await asyncio.to_thread(remove_view, view, session.settings.source)
        where = f"removed from {path}"
    if args.json:
        print_json({"name": args.name, "removed": True, "team": bool(args.team)})
    else:
        out(f"View {args.name!r} {where}.")
    return 0
