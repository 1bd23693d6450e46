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


def test_the_frozen_text_search_expressions_are_the_ones_the_queries_use() -> None:
    """PostgreSQL uses a GIN index only for the very expression it was built on: the copy
    frozen in migration 0010 and the one console.data.search queries with are the same."""
    import importlib.util

    from console.data import search

    path = next(VERSIONS.glob("0010_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.PG_ARTICLE_VECTOR == search.PG_ARTICLE_VECTOR
    assert migration.PG_RESOLUTION_VECTOR == search.PG_RESOLUTION_VECTOR
