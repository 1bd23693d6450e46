"""`agent-console db backup`: a consistent copy taken while another process keeps
writing, restored and found to hold every ticket committed before it began."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.cli import main
from console.data.db import make_engine
from console.data.directory import Directory, resolve_actor
from console.data.queries import Queries, QueueQuery
from console.data.schema import ensure_schema
from tests.conftest import PG_SKIP, PG_URL, drop_pg_database, new_pg_database

WRITER = """
import asyncio, json, sys
from console.data.db import make_engine
from console.data.directory import resolve_actor
from console.data.tickets import TicketService

async def run(url, log, count):
    db = make_engine(url)
    service = TicketService(db, await resolve_actor(db, login="root"))
    with open(log, "a") as out:
        for i in range(count):
            record = await service.create(subject=f"Load {i}", contact_name="Kim",
                                          description="x" * 2000)
            out.write(json.dumps(record.number) + "\\n")  # acknowledged: committed
            out.flush()
    await db.dispose()

asyncio.run(run(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


async def _prepare(path: Path) -> None:
    db = make_engine(path)
    await ensure_schema(db)
    await Directory(db, await resolve_actor(db, login="root")).add_department("Billing")
    await db.dispose()


def _acknowledged(log: Path) -> list[int]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_backup_under_write_load_holds_every_committed_ticket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOGNAME", "root")
    source = tmp_path / "live.db"
    asyncio.run(_prepare(source))
    log = tmp_path / "acknowledged.jsonl"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(source), str(log), "400"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while len(_acknowledged(log)) < 50:
            assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
            time.sleep(0.05)
        before = _acknowledged(log)
        target = tmp_path / "copy.db"
        code = main(["db", "backup", str(target), "--db", str(source)])
        assert code == 0, capsys.readouterr().err
        assert writer.poll() is None  # the writer was still going while we copied
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    numbers = {row[0] for row in copy.execute("SELECT number FROM tickets")}
    assert set(before) <= numbers
    assert f"Backed up live.db to {target}" in capsys.readouterr().out
    # The copy is a working database: the console's own layer opens and reads it.
    assert asyncio.run(_count_through_the_console(target)) == len(numbers)


async def _count_through_the_console(path: Path) -> int:
    db = make_engine(path)
    try:
        queries = Queries(db, await resolve_actor(db, login="root"))
        return (await queries.counts(QueueQuery("all")))["All"]
    finally:
        await db.dispose()


def test_backup_of_postgresql_points_to_pg_dump(capsys: pytest.CaptureFixture[str]) -> None:
    if not PG_URL:
        pytest.skip(PG_SKIP)
    # A database of its own: opening one migrates it, and the server's shared database
    # belongs to whoever else uses that server.
    url = new_pg_database()
    try:
        code = main(["db", "backup", "/tmp/never-written.db", "--db", url])
    finally:
        drop_pg_database(url)
    assert code == 1
    assert "back it up with pg_dump" in capsys.readouterr().err
    assert not Path("/tmp/never-written.db").exists()
