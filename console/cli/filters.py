"""``agent-console filters``: the filter language of / and ``--filter``, with examples."""

from __future__ import annotations

import argparse

from console.cli.output import out, print_json
from console.cli.parser import Commands, json_flag
from console.config import Settings


def register(commands: Commands) -> None:
    """``filters``."""
    filters = commands.add_parser(
        "filters", help="the filter language of / and --filter, with examples"
    )
    json_flag(filters)
    filters.set_defaults(run=_describe)


def _describe(args: argparse.Namespace, settings: Settings) -> int:
    from console.data.filters import EXAMPLES, SYNTAX, describe

    if args.json:
        print_json(
            {
                "terms": [{"syntax": syntax, "meaning": meaning} for syntax, meaning in SYNTAX],
                "examples": [{"filter": text, "meaning": meaning} for text, meaning in EXAMPLES],
            }
        )
    else:
        out(describe())
    return 0
