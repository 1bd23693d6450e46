"""``agent-console locate config|data|db``: where the config file, the data folder or the
database opened is (``locate db --demo``: the demo's database)."""

from __future__ import annotations

import argparse

from console.cli.output import out
from console.cli.parser import Commands, common
from console.cli.session import target
from console.config import Settings, config_path, data_dir, demo_db_path


def register(commands: Commands) -> None:
    """``locate``."""
    locate = commands.add_parser("locate", help="print where the config file, data or db is")
    locate.add_argument("what", choices=("config", "data", "db"), metavar="config|data|db")
    locate.add_argument(
        "--demo", action="store_true", help="the demo's database (`agent-console demo`)"
    )
    common(locate)
    locate.set_defaults(run=_locate)


def _locate(args: argparse.Namespace, settings: Settings) -> int:
    if args.what == "config":
        out(str(config_path()))
    elif args.what == "data":
        out(str(data_dir()))
    elif args.demo:
        out(str(demo_db_path()))
    else:
        from console.data.db import shown_url

        out(shown_url(target(args, settings)))
    return 0
