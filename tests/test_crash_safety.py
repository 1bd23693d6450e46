"""A writer killed with SIGKILL at random moments while creating tickets, replying and
attaching files: every acknowledged action survives, the file is intact, and no
attachment is half there.

The moments are chosen by progress, not by the clock: each writer is killed after a
random number of acknowledged actions, at a random offset into the next one, so a slow
machine makes the test slower, never weaker."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.data.db import make_engine
from console.data.directory import Directory, resolve_actor
from console.data.schema import ensure_schema

KILLS = 50
#: Each writer is killed after 1 to this many acknowledged actions (three per ticket:
#: create, reply, attach).
MOST_ACTIONS = 9
#: How long a writer may take for one action before the test gives up on it.
STUCK = 120.0

WRITER = """
import asyncio, hashlib, json, sys
from console.data.db import make_engine
from console.data.directory import resolve_actor
from console.data.tickets import TicketService

async def run(url, log, seed):
    db = make_engine(url)
    service = TicketService(db, await resolve_actor(db, login="root"))
    out = open(log, "a")
    i = 0
    while True:
        i += 1
        record = await service.create(subject=f"Crash {seed}-{i}", contact_name="Kim",
                                      department="Billing")
        out.write(json.dumps(["ticket", record.number]) + "\\n"); out.flush()
        await service.reply(record.number, f"reply {seed}-{i}")
        out.write(json.dumps(["reply", record.number, f"reply {seed}-{i}"]) + "\\n"); out.flush()
        content = (f"{seed}-{i} " * 20000).encode()  # about 200 KB
        await service.attach_bytes(record.number, f"dump-{seed}-{i}.log", content)
        digest = hashlib.sha256(content).hexdigest()
        out.write(json.dumps(["attach", record.number, digest]) + "\\n"); out.flush()

asyncio.run(run(sys.argv[1], sys.argv[2], sys.argv[3]))
"""


async def _prepare(path: Path) -> None:
    db = make_engine(path)
    await ensure_schema(db)
    await Directory(db, await resolve_actor(db, login="root")).add_department("Billing")
    await db.dispose()


def _acknowledged(log: Path) -> int:
    """How many actions the writers have acknowledged (whole lines of the log)."""
    return log.read_bytes().count(b"\n")


def _wait_for(log: Path, count: int, writer: subprocess.Popen[bytes]) -> None:
    """Until the log holds ``count`` acknowledged actions (the writer still running)."""
    last, since = _acknowledged(log), time.monotonic()
    while (now := _acknowledged(log)) < count:
        assert writer.poll() is None, f"the writer ended by itself ({writer.returncode})"
        if now != last:
            last, since = now, time.monotonic()
        assert time.monotonic() - since < STUCK, "the writer made no progress"
        time.sleep(0.005)


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "root")
    path = tmp_path / "crash.db"
    asyncio.run(_prepare(path))
    log = tmp_path / "acknowledged.jsonl"
    log.touch()
    chance = random.Random(20261123)
    waited_for = attaches = 0
    for kill in range(KILLS):
        before = _acknowledged(log)
        actions = chance.randint(1, MOST_ACTIONS)
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(log), str(kill)],
            stderr=subprocess.DEVNULL,
        )
        # Wait until it has acknowledged its actions, then kill it a random way into the
        # next one (while it writes a ticket, a reply or a 200 KB attachment).
        _wait_for(log, before + actions, writer)
        time.sleep(chance.uniform(0.0, 0.05))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        waited_for += actions
        attaches += actions // 3  # each writer's third acknowledged action is an attachment
    acknowledged = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert len(acknowledged) >= waited_for >= KILLS
    assert sum(1 for a in acknowledged if a[0] == "attach") >= attaches > KILLS // 2

    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    tickets = {row[0] for row in db.execute("SELECT number FROM tickets")}
    replies = {
        (row[0], row[1])
        for row in db.execute(
            "SELECT t.number, m.body FROM messages m JOIN tickets t ON t.id = m.ticket_id"
        )
    }
    digests = {
        (row[0], row[1])
        for row in db.execute(
            "SELECT t.number, a.sha256 FROM attachments a JOIN tickets t ON t.id = a.ticket_id"
        )
    }
    for entry in acknowledged:
        if entry[0] == "ticket":
            assert entry[1] in tickets
        elif entry[0] == "reply":
            assert (entry[1], entry[2]) in replies
        else:
            assert (entry[1], entry[2]) in digests
    # No attachment is half there: every row's content is whole and matches its digest,
    # and every attachment has its history event (written in the same transaction).
    for size, content, digest in db.execute("SELECT size, content, sha256 FROM attachments"):
        assert len(content) == size and hashlib.sha256(content).hexdigest() == digest
    orphans = db.execute(
        "SELECT count(*) FROM attachments a WHERE NOT EXISTS (SELECT 1 FROM events e "
        "WHERE e.ticket_id = a.ticket_id AND e.action = 'attach')"
    ).fetchone()[0]
    assert orphans == 0
    unrecorded = db.execute(
        "SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM events e "
        "WHERE e.ticket_id = t.id AND e.action = 'create')"
    ).fetchone()[0]
    assert unrecorded == 0
