"""``agent-console filters``: the filter language of / and ``--filter``, with examples."""

from __future__ import annotations

import argparse

from console.cli.output import out
from console.cli.parser import Commands
from console.config import Settings


def register(commands: Commands) -> None:
    """``filters``."""
    filters = commands.add_parser(
        "filters", help="the filter language of / and --filter, with examples"
    )
    filters.set_defaults(run=_describe)


def _describe(args: argparse.Namespace, settings: Settings) -> int:
    from console.data.filters import describe

    out(describe())
    return 0
