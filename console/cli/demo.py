"""``agent-console demo``: build generated demo data, then open the console on it.

The one command that imports the demo generator (an import-linter contract says so).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from console.cli.output import err, out
from console.cli.parser import Commands, common, positive
from console.cli.session import open_database
from console.config import Settings, demo_db_path


def register(commands: Commands) -> None:
    """``demo``."""
    demo = commands.add_parser("demo", help="open the console on generated demo data")
    common(demo)
    demo.add_argument("--tickets", type=positive, default=2000, metavar="N")
    demo.add_argument("--seed", type=int, default=7, metavar="S")
    demo.add_argument("--no-launch", action="store_true", help="build the data, do not open")
    demo.add_argument("--fresh", action="store_true", help="rebuild even if it exists")
    demo.set_defaults(run=_demo)


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from console.data.directory import holds_data, is_demo, resolve_actor
    from console.data.errors import Refused
    from console.data.migrate import downgrade
    from console.demo import build_demo, demo_matches

    target = getattr(args, "db", None) or str(demo_db_path())
    if settings.security == "database" and "://" not in target:
        # The demo is a file of its own, with no roles: it opens as any SQLite file does.
        settings.security = "application"
        err('(security = "database" does not apply to the demo: its SQLite file has no roles)')
    db = await open_database(target)
    try:
        if args.fresh or not await demo_matches(db, args.tickets, args.seed):
            if await holds_data(db):
                if not await is_demo(db):
                    raise Refused(
                        f"{db.label} holds data that is not a demo; the demo never touches it. "
                        "Choose another --db."
                    )
                # An older demo (other size or seed, or --fresh): start it again empty.
                if db.is_sqlite:
                    await db.dispose()
                    _remove_sqlite(db.url.database)
                else:
                    await downgrade(db, "base")
                    await db.dispose()
                db = await open_database(target)
            progress = _progress_printer(args.tickets)
            summary = await build_demo(db, tickets=args.tickets, seed=args.seed, progress=progress)
            err(f"Demo ready: {summary.tickets:,} tickets, {summary.agents} agents in {db.label}.")
        # Whom the console will act as: an unknown --as is refused now, not after the build.
        await resolve_actor(db, getattr(args, "as_user", None))
    finally:
        await db.dispose()
    # The command line reads the usual database unless told: say how to reach the demo.
    out(f"The demo's database is {target}; from the command line, name it with --db:")
    out(f"  agent-console --db {shlex.quote(target)} ticket list")
    if getattr(args, "db", None) is None:
        out("(`agent-console locate db --demo` prints where it is.)")
    if not args.no_launch:
        args.launch_target = target  # opened by main() once this event loop has ended
    return 0


def _remove_sqlite(path: str | None) -> None:
    if not path:
        return
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


def _progress_printer(total: int) -> Callable[[int, int], None]:
    interactive = sys.stderr.isatty()
    last = [-1]

    def show(done: int, of: int) -> None:
        percent = done * 100 // max(of, 1)
        if percent == last[0]:
            return
        last[0] = percent
        if interactive:
            line = f"\rBuilding demo: {done:,}/{of:,} tickets ({percent}%)"
            print(line, end="\n" if done >= of else "", file=sys.stderr)
        elif percent % 25 == 0:
            print(f"Building demo: {done:,}/{of:,} tickets", file=sys.stderr)

    return show
