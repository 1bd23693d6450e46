"""The audit trail: history events cannot be changed or deleted through the database
access the application has, every event is hash-chained to the one before, and
`agent-console audit verify` names the first event edited, inserted or deleted behind the
application's back (the tests tamper with the database directly, as an intruder would)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from console.data.audit import GENESIS, chain_hash, chain_tuples, verify
from console.data.db import Database, make_engine
from console.data.migrate import upgrade
from tests.conftest import Desk


async def _history(desk: Desk) -> list[int]:
    """Some work on three tickets: every kind of writer appends events."""
    numbers = [await desk.ticket("alice", subject=f"Printer {i}") for i in range(3)]
    alice = desk.service("alice")
    await alice.pick_up(numbers[0])
    await alice.reply(numbers[0], "We are on it.")
    await alice.comment(numbers[1], "Looks like the spooler.")
    await desk.service("lena").assign(numbers[2], "bob")
    await alice.customer_message(numbers[1], "Still broken, please hurry.")
    extra = await desk.ticket("alice", subject="Duplicate")
    await desk.service("root").delete(extra, confirm=True)
    return numbers


async def _sql(db: Database, *statements: str) -> None:
    """Run SQL as the database owner, outside the services (the intruder's access)."""
    async with db.engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))


async def _untrigger(db: Database) -> None:
    """What an intruder with the owner's password does first: drop the guards."""
    if db.is_sqlite:
        names = ("events_no_update", "events_no_delete", "events_move_head")
        await _sql(db, *(f"DROP TRIGGER {name}" for name in names))
    else:
        names = ("events_no_change", "events_no_truncate", "events_move_head")
        await _sql(db, *(f"DROP TRIGGER {name} ON events" for name in names))


async def _ids(db: Database) -> list[int]:
    async with db.engine.connect() as conn:
        return [row[0] for row in await conn.execute(text("SELECT id FROM events ORDER BY id"))]


async def test_history_is_chained_and_verifies(desk: Desk) -> None:
    await _history(desk)
    report = await verify(desk.db)
    assert report.ok, report.finding
    assert report.events == len(await _ids(desk.db)) > 8
    async with desk.db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT prev_hash, hash FROM events ORDER BY id"))).all()
        head = (
            await conn.execute(text("SELECT value FROM meta WHERE key = 'audit_head'"))
        ).scalar_one()
    assert rows[0][0] == GENESIS
    assert all(rows[i][0] == rows[i - 1][1] for i in range(1, len(rows)))
    assert head == f"{(await _ids(desk.db))[-1]} {rows[-1][1]}"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET actor_name = 'nobody'",
        "UPDATE events SET new_value = 'Closed' WHERE id = 2",
        "DELETE FROM events WHERE id = 1",
        "DELETE FROM events",
    ],
)
async def test_the_database_refuses_to_change_history(desk: Desk, statement: str) -> None:
    await _history(desk)
    before = await _ids(desk.db)
    with pytest.raises(DBAPIError, match="append-only"):
        await _sql(desk.db, statement)
    assert await _ids(desk.db) == before
    assert (await verify(desk.db)).ok


async def test_emptying_history_at_once_is_refused(desk: Desk) -> None:
    """PostgreSQL's TRUNCATE skips row triggers; a statement trigger catches it.  (SQLite
    has no TRUNCATE; its whole-table DELETE runs the row triggers.)"""
    await _history(desk)
    statement = "DELETE FROM events" if desk.db.is_sqlite else "TRUNCATE events"
    with pytest.raises(DBAPIError, match="append-only"):
        await _sql(desk.db, statement)
    assert (await verify(desk.db)).ok


async def test_an_edited_event_is_named(desk: Desk) -> None:
    await _history(desk)
    ids = await _ids(desk.db)
    target = ids[len(ids) // 2]
    await _untrigger(desk.db)
    await _sql(desk.db, f"UPDATE events SET actor_name = 'mallory' WHERE id = {target}")
    report = await verify(desk.db)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.event_id) == ("edited", target)
    assert f"event {target}" in report.finding.sentence


async def test_an_edited_time_is_named(desk: Desk) -> None:
    """A second's shift of when something happened is an edit too."""
    await _history(desk)
    target = (await _ids(desk.db))[3]
    await _untrigger(desk.db)
    shift = "datetime(at, '+1 second')" if desk.db.is_sqlite else "at + interval '1 second'"
    await _sql(desk.db, f"UPDATE events SET at = {shift} WHERE id = {target}")
    report = await verify(desk.db)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.event_id) == ("edited", target)


async def test_a_deleted_event_is_named(desk: Desk) -> None:
    await _history(desk)
    ids = await _ids(desk.db)
    gone = ids[4]
    await _untrigger(desk.db)
    await _sql(desk.db, f"DELETE FROM events WHERE id = {gone}")
    report = await verify(desk.db)
    assert report.finding is not None
    assert report.finding.kind == "deleted"
    assert report.finding.event_id == ids[5]  # the first event whose link is missing
    assert f"last intact event is {ids[3]}" in report.finding.sentence


async def test_deleting_the_newest_events_is_noticed(desk: Desk) -> None:
    await _history(desk)
    ids = await _ids(desk.db)
    await _untrigger(desk.db)
    await _sql(desk.db, f"DELETE FROM events WHERE id >= {ids[-2]}")
    report = await verify(desk.db)
    assert report.finding is not None
    assert report.finding.kind == "deleted"
    assert report.finding.event_id == ids[-1]
    assert f"the last one left is {ids[-3]}" in report.finding.sentence


async def test_an_inserted_event_is_named(desk: Desk, clock: Any) -> None:
    """A forged event slipped in, then the application goes on writing after it."""
    numbers = await _history(desk)
    await _untrigger(desk.db)
    copied = (
        "SELECT ticket_id, ticket_number, actor_kind, actor_id, 'mallory', at, action, "
        "field, old_value, new_value, prev_hash, hash FROM events ORDER BY id DESC LIMIT 1"
    )
    await _sql(
        desk.db,
        "INSERT INTO events (ticket_id, ticket_number, actor_kind, actor_id, actor_name, at, "
        f"action, field, old_value, new_value, prev_hash, hash) {copied}",
    )
    forged = (await _ids(desk.db))[-1]
    clock.advance(minutes=5)
    await desk.service("alice").note(numbers[0], "Called the customer back.")
    report = await verify(desk.db)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.event_id) == ("inserted", forged)


async def test_an_event_appended_behind_the_application_is_named(desk: Desk) -> None:
    await _history(desk)
    await _untrigger(desk.db)
    await _sql(
        desk.db,
        "INSERT INTO events (ticket_id, ticket_number, actor_kind, actor_id, actor_name, at, "
        "action, prev_hash, hash) SELECT ticket_id, ticket_number, 'agent', 1, 'mallory', at, "
        "'close', hash, hash FROM events ORDER BY id DESC LIMIT 1",
    )
    forged = (await _ids(desk.db))[-1]
    report = await verify(desk.db)
    assert report.finding is not None
    assert (report.finding.kind, report.finding.event_id) == ("inserted", forged)


async def test_concurrent_writers_never_fork_the_chain(desk: Desk) -> None:
    """Eight agents' actions at once (on PostgreSQL truly in parallel): one chain."""
    numbers = [await desk.ticket("alice", subject=f"Load {i}") for i in range(8)]
    people = ["alice", "bob", "lena"]

    async def work(i: int) -> None:
        service = desk.service(people[i % len(people)])
        for round_ in range(5):
            await service.comment(numbers[i], f"round {round_}")

    await asyncio.gather(*(work(i) for i in range(8)))
    report = await verify(desk.db)
    assert report.ok, report.finding
    assert report.events >= 8 + 8 * 5


async def test_migration_chains_history_written_before_it(tmp_path: Any) -> None:
    """A database from before the audit trail: upgrading chains its existing history."""
    db = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(db, "0001")
        await _sql(
            db,
            *(
                "INSERT INTO events (ticket_number, actor_kind, actor_name, at, action, "
                f"new_value) VALUES ({1001 + i}, 'agent', 'alice', "
                f"'2026-01-0{1 + i} 10:00:00.000000', 'create', 'Old ticket {i}')"
                for i in range(3)
            ),
        )
        await upgrade(db)
        report = await verify(db)
        assert report.ok and report.events == 3
        with pytest.raises(DBAPIError, match="append-only"):
            await _sql(db, "DELETE FROM events")
    finally:
        await db.dispose()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", *args], capture_output=True, text=True, timeout=120
    )


def test_audit_verify_command(tmp_path: Any) -> None:
    path = tmp_path / "demo.db"
    built = _cli("demo", "--db", str(path), "--tickets", "300", "--no-launch")
    assert built.returncode == 0, built.stderr
    intact = _cli("audit", "verify", "--db", str(path))
    assert intact.returncode == 0, intact.stderr
    assert "is intact" in intact.stdout

    db = make_engine(f"sqlite+aiosqlite:///{path}")

    async def tamper() -> None:
        await _untrigger(db)
        await _sql(db, "UPDATE events SET new_value = 'Closed' WHERE id = 77")
        await db.dispose()

    asyncio.run(tamper())
    broken = _cli("audit", "verify", "--db", str(path), "--json")
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    assert report["ok"] is False
    assert report["finding"]["kind"] == "edited"
    assert report["finding"]["event_id"] == 77
    assert isinstance(report["finding"]["ticket_number"], int)
    human = _cli("audit", "verify", "--db", str(path))
    assert human.returncode == 1
    assert "event 77" in human.stderr and "edited" in human.stderr


def test_the_hash_text_is_unambiguous() -> None:
    """Ticket text may hold the separators: moving them between fields changes the hash,
    and the bulk writer's form hashes exactly as the services' form does."""
    base = [7, 1042, "agent", 3, "maya", "2026-03-02 10:00:00.000000", "reply", None, "a|1:b", "c"]
    shifted = [*base[:8], "a", "1:b|c"]
    emptied = [*base[:7], "", *base[8:]]
    assert len({chain_hash(GENESIS, v) for v in (base, shifted, emptied)}) == 3
    rows, last = chain_tuples([tuple(base), tuple(shifted)], GENESIS, str)
    assert rows[0][-2:] == (GENESIS, chain_hash(GENESIS, base))
    assert last == chain_hash(chain_hash(GENESIS, base), shifted)
