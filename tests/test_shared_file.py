"""A SQLite database shared by the agents of one group: the console creates the file, and
SQLite its -wal and -shm beside it, readable and writable by the group (whatever the
umask of whoever opened it first), never by others."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.data.db import make_engine
from console.data.directory import Directory, resolve_actor
from console.data.schema import ensure_schema


@pytest.fixture
def private_umask() -> Iterator[None]:
    """The strictest common umask: nothing for the group or others."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("private_umask")
async def test_the_file_and_its_wal_and_shm_are_the_groups(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "helpdesk.db"
    db = make_engine(path)
    try:
        await ensure_schema(db)
        admin = await resolve_actor(db, login="root")
        await Directory(db, admin).add_department("Billing")
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert {f.name: mode(f) for f in files} == {f.name: 0o660 for f in files}
    finally:
        await db.dispose()


async def test_an_existing_file_keeps_the_mode_its_admin_gave_it(tmp_path: Path) -> None:
    path = tmp_path / "helpdesk.db"
    path.touch()
    path.chmod(0o640)
    db = make_engine(path)
    try:
        await ensure_schema(db)
    finally:
        await db.dispose()
    assert mode(path) == 0o640
