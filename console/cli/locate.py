"""``agent-console locate config|data|db``: where the config file, the data folder or the
database opened is."""

from __future__ import annotations

import argparse

from console.cli.output import out
from console.cli.parser import Commands, common
from console.cli.session import target
from console.config import Settings, config_path, data_dir


def register(commands: Commands) -> None:
    """``locate``."""
    locate = commands.add_parser("locate", help="print where the config file, data or db is")
    locate.add_argument("what", choices=("config", "data", "db"), metavar="config|data|db")
    common(locate)
    locate.set_defaults(run=_locate)


def _locate(args: argparse.Namespace, settings: Settings) -> int:
    if args.what == "config":
        out(str(config_path()))
    elif args.what == "data":
        out(str(data_dir()))
    else:
        from console.data.db import shown_url

        out(shown_url(target(args, settings)))
    return 0
