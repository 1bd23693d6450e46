"""Foundations: migrations on both backends, the data layer's independence from Textual,
the SQLite settings, and the wheel shipping the styles."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine

from console.data.db import make_engine
from console.data.errors import Unavailable
from console.data.migrate import downgrade, head_revision, upgrade
from console.data.models import Base
from console.data.schema import (
    SCHEMA_REVISION,
    ensure_schema,
    known_revisions,
    schema_revision,
)

ROOT = Path(__file__).resolve().parent.parent


def test_schema_revision_is_the_migrations_head() -> None:
    assert head_revision() == SCHEMA_REVISION
    assert SCHEMA_REVISION in known_revisions()


async def test_sqlite_keeps_every_trigger_through_the_migrations(sqlite_url: str) -> None:
    """SQLite's batch mode rebuilds a table to alter it, and the rebuilt table has lost
    its triggers (the search index and the history's guards): a migration that rebuilds
    one puts them back, going up and coming down."""
    db = make_engine(sqlite_url)

    async def triggers() -> set[str]:
        async with db.engine.connect() as conn:
            rows = await conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
            return {row[0] for row in rows}

    try:
        await upgrade(db, "0005")
        before = await triggers()
        assert {"messages_search_insert", "events_no_update"} <= before
        await upgrade(db)
        assert before <= await triggers()
        await downgrade(db, "0005")
        assert await triggers() == before
    finally:
        await db.dispose()


async def test_a_database_from_a_newer_console_is_refused_untouched(db_url: str) -> None:
    """A database another, newer agent-console migrated is not "upgraded" into an
    Alembic traceback: the console says what happened and changes nothing."""
    db = make_engine(db_url)
    try:
        await ensure_schema(db)
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(Unavailable, match="revision 9999, which this agent-console"):
            await ensure_schema(db)
        assert await schema_revision(db) == "9999"
    finally:
        await db.dispose()


async def test_a_locked_file_is_said_never_taken_for_an_empty_one(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two consoles opening one file at once: when the file is locked, reading its
    revision fails, and that is said in a sentence; it is never taken for a database
    without a schema (which once sent the second console into migrating it, and into a
    traceback)."""
    import sqlite3

    import console.data.migrate

    migrated: list[object] = []

    async def upgrade_watched(db: object, *args: object) -> None:
        migrated.append(db)
        await upgrade(db, *args)  # type: ignore[arg-type]

    db = make_engine(sqlite_url)
    try:
        await ensure_schema(db)
        monkeypatch.setattr(console.data.migrate, "upgrade", upgrade_watched)

        # A reader of a WAL file meets "database is locked" only in passing (another
        # console recovering or checkpointing the file as it opens): make that moment.
        def locked(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            if "alembic_version" in statement:
                raise sqlite3.OperationalError("database is locked")

        event.listen(db.engine.sync_engine, "before_cursor_execute", locked)
        try:
            with pytest.raises(Unavailable, match="busy"):
                await ensure_schema(db)
            assert migrated == []  # a locked file is never "migrated"
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", locked)
        assert await ensure_schema(db) is False  # nothing to do once it is free
        assert await schema_revision(db) == SCHEMA_REVISION
        assert migrated == []
    finally:
        await db.dispose()


async def test_migrations_from_empty_to_head_and_back(db_url: str) -> None:
    db = make_engine(db_url)
    try:
        assert await schema_revision(db) is None
        assert await ensure_schema(db) is True
        assert await schema_revision(db) == SCHEMA_REVISION
        assert await ensure_schema(db) is False  # up to date: Alembic is not run again

        def tables(conn: object) -> set[str]:
            return set(inspect(conn).get_table_names())  # type: ignore[arg-type]

        async with db.engine.connect() as conn:
            present = await conn.run_sync(tables)
        assert set(Base.metadata.tables) <= present
        await downgrade(db, "base")
        async with db.engine.connect() as conn:
            assert await conn.run_sync(tables) <= {"alembic_version"}
        await upgrade(db)
        assert await schema_revision(db) == SCHEMA_REVISION
    finally:
        await db.dispose()


async def test_a_migration_leaves_the_calling_event_loop_free(db_url: str) -> None:
    """While Alembic migrates a new database, the loop that asked for it keeps running.

    Each CREATE TABLE of the migration waits until a task on the calling loop has ticked
    twice more.  A migration run on that loop would block it at the first one: the task
    could not tick, the wait would give up, and ``moved`` would hold False.
    """
    progress = threading.Condition()
    ticks = 0
    moved: list[bool] = []

    async def ticker() -> None:
        nonlocal ticks
        while True:
            with progress:
                ticks += 1
                progress.notify_all()
            await asyncio.sleep(0.005)

    def on_statement(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if not statement.lstrip().upper().startswith("CREATE TABLE") or False in moved:
            return  # once the loop stood still, waiting again proves nothing more
        with progress:
            seen = ticks
            moved.append(progress.wait_for(lambda: ticks >= seen + 2, timeout=10))

    # On the Engine class: the migration's engine is made where it runs, out of reach.
    event.listen(Engine, "before_cursor_execute", on_statement)
    db = make_engine(db_url)
    task = asyncio.create_task(ticker())
    try:
        assert await ensure_schema(db) is True
    finally:
        event.remove(Engine, "before_cursor_execute", on_statement)
        task.cancel()
        await db.dispose()
    assert moved and all(moved), "the calling loop stood still while the migration ran"
    assert len(moved) >= len(Base.metadata.tables)  # it kept running through every table
    db = make_engine(db_url)
    try:
        assert await schema_revision(db) == SCHEMA_REVISION
    finally:
        await db.dispose()


async def test_an_in_memory_database_is_migrated_in_its_own_engine() -> None:
    """SQLite in memory lives in its engine's one connection; another engine (the
    migration's own, in its thread) would migrate a different, empty database."""
    db = make_engine("sqlite+aiosqlite:///:memory:")
    try:
        assert await ensure_schema(db) is True
        assert await schema_revision(db) == SCHEMA_REVISION
    finally:
        await db.dispose()


def test_an_up_to_date_database_never_loads_alembic(sqlite_url: str) -> None:
    """Opening a database already at SCHEMA_REVISION imports no Alembic (slow to load)."""

    async def migrate() -> None:
        db = make_engine(sqlite_url)
        try:
            await ensure_schema(db)
        finally:
            await db.dispose()

    asyncio.run(migrate())
    code = (
        "import asyncio, sys\n"
        "from console.data.db import make_engine\n"
        "from console.data.schema import ensure_schema\n"
        "async def main():\n"
        f"    db = make_engine({sqlite_url!r})\n"
        "    print(await ensure_schema(db))\n"
        "    await db.dispose()\n"
        "asyncio.run(main())\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'alembic'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "[]"]


async def test_models_match_the_migrations(db_url: str) -> None:
    """A model change without a migration fails here (Alembic's autogenerate finds it)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from console.data.search import SEARCH_OBJECTS

    db = make_engine(db_url)
    try:
        await ensure_schema(db)

        def diff(conn: object) -> list[object]:
            # The search indexes (FTS5 tables, expression indexes) are not ORM models.
            def described(name: str | None, kind: str, parents: object) -> bool:
                return name not in SEARCH_OBJECTS

            context = MigrationContext.configure(
                conn,  # type: ignore[arg-type]
                opts={"compare_type": False, "include_name": described},
            )
            return list(compare_metadata(context, Base.metadata))

        async with db.engine.connect() as conn:
            assert await conn.run_sync(diff) == []
    finally:
        await db.dispose()


async def test_sqlite_settings(sqlite_url: str) -> None:
    db = make_engine(sqlite_url)
    try:
        await ensure_schema(db)
        async with db.read() as session:
            journal = (await session.execute(text("PRAGMA journal_mode"))).scalar()
            keys = (await session.execute(text("PRAGMA foreign_keys"))).scalar()
            busy = (await session.execute(text("PRAGMA busy_timeout"))).scalar()
        assert journal == "wal" and keys == 1 and busy >= 5000
    finally:
        await db.dispose()


async def test_write_transactions_take_the_lock_at_once(sqlite_url: str) -> None:
    """BEGIN IMMEDIATE: a second writer waits for the first instead of failing later."""
    db = make_engine(sqlite_url)
    await ensure_schema(db)
    order: list[str] = []
    try:

        async def writer(name: str, hold: float) -> None:
            async with db.write() as session:
                await session.execute(text("SELECT count(*) FROM tickets"))
                order.append(f"{name} in")
                await asyncio.sleep(hold)
                await session.execute(
                    text("INSERT INTO meta (key, value) VALUES (:k, 'x')"), {"k": name}
                )
                order.append(f"{name} out")

        await asyncio.gather(writer("first", 0.3), writer("second", 0))
        # Had both begun deferred, both would have read, and the later writer failed with
        # "database is locked"; instead the second waited to begin until the first ended.
        assert order in (
            ["first in", "first out", "second in", "second out"],
            ["second in", "second out", "first in", "first out"],
        )
    finally:
        await db.dispose()


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_data_layer_never_imports_textual_or_the_ui() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in _imports(path)
            if name.split(".")[0] in ("textual", "rich")
            or name.startswith(("console.screens", "console.widgets", "console.app"))
        )
        for path in (ROOT / "console" / "data").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    # And at run time: importing every data module loads no Textual.
    code = (
        "import sys, pkgutil, importlib, console.data as d\n"
        "for m in pkgutil.walk_packages(d.__path__, 'console.data.'):\n"
        "    if '.migrations' not in m.name: importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'rich')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_wheel_ships_styles_and_migrations(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("agent_console-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    styles = {p.name for p in (ROOT / "styles").glob("*.tcss")}
    assert styles, "styles/ has no .tcss files"
    assert {f"console/styles/{name}" for name in styles} <= names
    assert "console/data/migrations/env.py" in names
    assert any(n.startswith("console/data/migrations/versions/0001") for n in names)
    assert "console/data/migrations/script.py.mako" in names
