"""The benchmark's demo databases: built once through the demo generator, then reused.

A SQLite demo lives in the work folder as ``demo-<tickets>-s<seed>-r<revision>.db`` beside
a small JSON file recording how long it took to build.  A PostgreSQL demo lives in a
database of its own on the server (``agent_console_bench_<tickets>_r<revision>``), created
through the server's maintenance connection.  Both are keyed by the schema revision, so a
figure never comes from a database of an older schema (its indexes and plans differ); a
database is reused only when its ``meta`` says it is the demo of that size and seed;
otherwise it is built again from empty.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from console.data.db import Database, make_engine
from console.data.models import Meta
from console.data.schema import SCHEMA_REVISION, ensure_schema
from console.demo import build_demo, demo_matches

SEED = 7
#: Where the demo databases are kept and reused between runs, unless ``--workdir`` says.
WORKDIR = Path.home() / ".cache" / "agent-console-bench"


@dataclass(frozen=True)
class Demo:
    """A demo database ready to use."""

    url: str
    tickets: int
    #: The agent a demo session acts as (the demo's default lead).
    agent: str
    #: Seconds the build took, in this run (None when an earlier build was reused).
    built_in: float | None
    #: Seconds the build took when it was made, if known.
    recorded: float | None
    recorded_at: str | None = None

    @property
    def path(self) -> Path:
        """The SQLite file (SQLite demos only)."""
        database = make_url(self.url).database
        assert database, self.url
        return Path(database)


def sqlite_url(path: Path) -> str:
    """The console's URL of a SQLite file."""
    return f"sqlite+aiosqlite:///{path}"


async def default_agent(db: Database) -> str:
    """The agent a demo session acts as."""
    async with db.read() as session:
        value = (
            await session.execute(select(Meta.value).where(Meta.key == "demo_default_agent"))
        ).scalar_one_or_none()
    if value is None:
        raise RuntimeError(f"{db.label} is not a demo database (no demo_default_agent)")
    return value


def remove_sqlite(path: Path) -> None:
    """Delete a SQLite file and its companions."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def build_sqlite(path: Path, tickets: int, *, seed: int = SEED) -> float:
    """Build a demo into a new SQLite file, as ``agent-console demo`` does (schema, data,
    and the checkpoint at close); returns the seconds it took."""
    remove_sqlite(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    db = make_engine(path)
    try:
        await ensure_schema(db)
        await build_demo(db, tickets=tickets, seed=seed)
    finally:
        await db.dispose()
    return time.perf_counter() - began


async def sqlite_demo(folder: Path, tickets: int, *, seed: int = SEED) -> Demo:
    """The SQLite demo of ``tickets`` tickets in ``folder``, built when missing."""
    path = folder / f"demo-{tickets}-s{seed}-r{SCHEMA_REVISION}.db"
    record = path.with_suffix(".json")
    built_in: float | None = None
    if path.exists():
        db = make_engine(path)
        try:
            fits = await demo_matches(db, tickets, seed)
        finally:
            await db.dispose()
    else:
        fits = False
    if not fits:
        built_in = await build_sqlite(path, tickets, seed=seed)
        facts = {
            "seconds": round(built_in, 2),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "tickets": tickets,
            "seed": seed,
        }
        record.write_text(json.dumps(facts) + "\n", encoding="utf-8")
    recorded, recorded_at = None, None
    if record.exists():
        facts = json.loads(record.read_text(encoding="utf-8"))
        recorded, recorded_at = float(facts["seconds"]), str(facts["built_at"])
    db = make_engine(path)
    try:
        agent = await default_agent(db)
    finally:
        await db.dispose()
    return Demo(sqlite_url(path), tickets, agent, built_in, recorded, recorded_at)


# -- PostgreSQL ---------------------------------------------------------------------------


async def _maintenance(admin_url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(sql))
            return [tuple(row) for row in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()


async def pg_reachable(admin_url: str) -> str | None:
    """None when the server answers; otherwise why not."""
    try:
        await _maintenance(admin_url, "SELECT 1")
    except Exception as exc:  # any failure to connect is a reason to skip
        return f"PostgreSQL at {make_url(admin_url).render_as_string()} is unreachable: {exc}"
    return None


def pg_database_name(tickets: int) -> str:
    """The bench database of a size on the PostgreSQL server."""
    return f"agent_console_bench_{tickets}_r{SCHEMA_REVISION}"


async def drop_pg_demo(admin_url: str, tickets: int) -> None:
    """Drop the bench database of a size."""
    await _maintenance(
        admin_url, f'DROP DATABASE IF EXISTS "{pg_database_name(tickets)}" WITH (FORCE)'
    )


async def pg_demo(admin_url: str, tickets: int, *, seed: int = SEED) -> Demo:
    """The PostgreSQL demo of ``tickets`` tickets in its own database on the server of
    ``admin_url`` (created, or dropped and created again, when it does not fit)."""
    name = pg_database_name(tickets)
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    exists = await _maintenance(admin_url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    fits = False
    if exists:
        db = make_engine(url)
        try:
            fits = await demo_matches(db, tickets, seed)
        finally:
            await db.dispose()
    built_in: float | None = None
    if not fits:
        if exists:
            await _maintenance(admin_url, f'DROP DATABASE "{name}" WITH (FORCE)')
        await _maintenance(admin_url, f'CREATE DATABASE "{name}"')
        began = time.perf_counter()
        db = make_engine(url)
        try:
            await ensure_schema(db)
            await build_demo(db, tickets=tickets, seed=seed)
        finally:
            await db.dispose()
        built_in = time.perf_counter() - began
    db = make_engine(url)
    try:
        agent = await default_agent(db)
    finally:
        await db.dispose()
    return Demo(url, tickets, agent, built_in, built_in)
