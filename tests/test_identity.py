"""Who is acting comes from the process's real user id, never from the environment:
``LOGNAME``/``USER`` change nothing, and ``--as`` is for admins (by their real login) and
demo databases only."""

from __future__ import annotations

import asyncio
import os
import pwd
from pathlib import Path

import pytest

from console.app import AgentConsole
from console.cli import main
from console.config import Settings
from console.data.db import Database
from console.data.directory import Directory, resolve_actor
from console.data.errors import Refused
from console.data.tickets import TicketService

#: the login of the real user id running the tests
REAL = pwd.getpwuid(os.getuid()).pw_name


@pytest.fixture
def no_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.delenv("AGENT_CONSOLE_DB", raising=False)


def pretend(monkeypatch: pytest.MonkeyPatch, login: str) -> None:
    """What an attacker does: name someone else in every variable a login is read from."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, login)


async def bosses_desk(db: Database, *, me_too: bool) -> int:
    """A database whose admin is ``boss``; the real login is one of its agents when
    ``me_too``.  Returns the number of a ticket."""
    boss = await resolve_actor(db, login="boss")
    directory = Directory(db, boss)
    await directory.add_department("Billing")
    if me_too:
        await directory.add_agent(REAL, role="agent", team="Billing", departments=["Billing"])
    ticket = await TicketService(db, boss).create(
        subject="VPN drops",
        contact_name="Pat",
        contact_email="pat@example.com",
        department="Billing",
    )
    return ticket.number


async def run(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> tuple[int, str, str]:
    """`agent-console ARGV --db DB_URL` (in a thread: ``main`` runs its own event loop)."""
    capsys.readouterr()
    code = await asyncio.to_thread(main, [*argv, "--db", db_url])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("no_config")
async def test_logname_and_user_change_nothing(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    number = await bosses_desk(db, me_too=True)
    pretend(monkeypatch, "boss")
    code, _, err = await run(capsys, db_url, "ticket", "delete", str(number), "--yes")
    assert code == 1
    assert err.strip() == f"Delete is for admins; #{number} was not deleted."
    code, _, err = await run(capsys, db_url, "ticket", "list", "--as", "boss")
    assert code == 1
    assert f"--as boss is only for admins and demo databases; you ({REAL}) are an agent." in err
    code, out, err = await run(capsys, db_url, "ticket", "show", str(number), "--json")
    assert code == 0, err
    assert '"status": "New"' in out  # still there


@pytest.mark.usefixtures("no_config")
async def test_someone_who_is_not_an_agent_cannot_name_one(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await bosses_desk(db, me_too=False)
    pretend(monkeypatch, "boss")
    code, _, err = await run(capsys, db_url, "ticket", "list")
    assert code == 1
    assert f"You ({REAL}) are not an agent in this database" in err
    app = AgentConsole(Settings(), db_url, watch=False, database=db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    assert app.return_code == 1


async def test_as_is_for_admins_by_their_real_login(db: Database) -> None:
    await bosses_desk(db, me_too=True)
    with pytest.raises(Refused, match=r"--as boss is only for admins"):
        await resolve_actor(db, "boss")
    assert (await resolve_actor(db, REAL)).username == REAL
    assert (await resolve_actor(db, REAL, login="boss")).username == REAL  # boss, by login
    assert (await resolve_actor(db, "boss", login="boss")).username == "boss"
