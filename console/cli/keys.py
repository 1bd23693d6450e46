"""``agent-console keys``: every key binding by screen, with its keys as the config file
maps them."""

from __future__ import annotations

import argparse

from console.cli.output import err, out, print_json
from console.cli.parser import Commands, json_flag
from console.config import Settings


def register(commands: Commands) -> None:
    """``keys``."""
    keys = commands.add_parser("keys", help="every key binding: id, keys now, what it does")
    json_flag(keys)
    keys.set_defaults(run=_keys)


def _keys(args: argparse.Namespace, settings: Settings) -> int:
    from console.keys import check_keymap, listing

    keymap, problems = check_keymap(settings)
    for problem in problems:
        err(problem)
    places = listing(keymap)
    if args.json:
        print_json(places)
        return 0
    for index, place in enumerate(places):
        if index:
            out("")
        after = f"{place['after']} " if place["after"] else ""
        out(place["screen"] + (f" (after {place['after']})" if after else ""))
        for row in place["bindings"]:
            keys = " / ".join(after + key for key in row["keys"])
            changed = "" if row["keys"] == row["default"] else "  (remapped)"
            out(f"  {keys:<26} {row['description']:<26} {row['id']}{changed}")
    return 0
