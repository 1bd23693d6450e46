"""A migration must not change when the code does: the migration modules import nothing
of the console outside console.data.migrations (what they need is copied in, frozen)."""

from __future__ import annotations

import ast
from pathlib import Path

import console.data.migrate

VERSIONS = Path(console.data.migrate.__file__).parent / "migrations" / "versions"


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_migrations_import_nothing_of_the_console() -> None:
    migrations = sorted(VERSIONS.glob("*.py"))
    assert len(migrations) >= 5
    leaks = {
        path.name: sorted(
            name
            for name in imported(path)
            if name.split(".")[0] == "console" and not name.startswith("console.data.migrations")
        )
        for path in migrations
    }
    assert {name: found for name, found in leaks.items() if found} == {}
