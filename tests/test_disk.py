"""A full disk and a read-only database: a clear message on the command line and in the
console, nothing half-written, and everything works again once space is back."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.app import AgentConsole
from console.cli import main
from console.config import Settings
from console.data.db import Database, make_engine
from console.data.directory import Directory, resolve_actor
from console.data.errors import Unavailable
from console.data.models import Attachment
from console.data.schema import ensure_schema
from console.data.tickets import TicketService
from tests.test_console import goto, notices, settle, start


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs of our own, so the disk can really fill up (and be made read-only)."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"this machine cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=False)
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _remount(disk: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(disk)], check=True)


async def _desk(path: Path) -> Database:
    db = make_engine(path)
    await ensure_schema(db)
    admin = await resolve_actor(db, login="root")
    await Directory(db, admin).add_department("Billing")
    return db


async def _attachments(db: Database) -> int:
    async with db.read() as session:
        return int(
            (await session.execute(select(func.count()).select_from(Attachment))).scalar_one()
        )


def _fill(disk: Path, leave_kb: int) -> Path:
    """Take all but ``leave_kb`` of the disk with one file; returns it (delete to free)."""
    filler = disk / "filler.bin"
    free = subprocess.run(
        ["df", "-k", "--output=avail", str(disk)], capture_output=True, text=True, check=True
    ).stdout.split()[-1]
    size = max(0, (int(free) - leave_kb) * 1024)
    with filler.open("wb") as handle:
        handle.write(b"\0" * size)
    return filler


async def test_disk_full_is_clear_leaves_nothing_half_and_recovers(
    small_disk: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LOGNAME", "root")
    db = await _desk(small_disk / "desk.db")
    service = TicketService(db, await resolve_actor(db, login="root"))
    number = (
        await service.create(subject="Backup failing", contact_name="Kim", department="Billing")
    ).number
    filler = await asyncio.to_thread(_fill, small_disk, 64)
    big = tmp_path / "trace.log"
    big.write_bytes(b"x" * 1_500_000)
    with pytest.raises(Unavailable, match="The disk holding the database is full; nothing was"):
        await service.attach(number, big)
    assert await _attachments(db) == 0
    # The command line says the same, with exit code 1.
    code = await asyncio.to_thread(
        main, ["ticket", "attach", str(number), str(big), "--db", str(small_disk / "desk.db")]
    )
    assert code == 1
    assert "The disk holding the database is full" in capsys.readouterr().err
    # The console says it where the agent acted, and keeps running.
    app = AgentConsole(Settings(), "unused", "root", watch=False, database=db)
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, number)
        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#field-path").value = str(big)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(app.screen.query_one("#form-error").render())
        assert "The disk holding the database is full; nothing was changed." in error
        assert app.is_running
        filler.unlink()  # space is back
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Attached a file to #1001." in notices(app)
    assert await _attachments(db) == 1
    await db.dispose()


async def test_read_only_database_reads_and_refuses_writes_clearly(
    small_disk: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LOGNAME", "root")
    path = small_disk / "desk.db"
    db = await _desk(path)
    service = TicketService(db, await resolve_actor(db, login="root"))
    number = (
        await service.create(subject="Printer", contact_name="Kim", department="Billing")
    ).number
    await db.dispose()
    await asyncio.to_thread(_remount, small_disk, "ro")
    try:
        code = await asyncio.to_thread(main, ["ticket", "pickup", str(number), "--db", str(path)])
        err = capsys.readouterr().err
        assert code == 1, err
        assert "desk.db is on a read-only disk" in err and "Nothing was changed" in err
    finally:
        await asyncio.to_thread(_remount, small_disk, "rw")
    # Writable again: the ticket is as it was, and the action now works.
    assert await asyncio.to_thread(main, ["ticket", "pickup", str(number), "--db", str(path)]) == 0
    assert "root" in capsys.readouterr().out
