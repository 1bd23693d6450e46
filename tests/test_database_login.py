"""``security = "database"``: the console and the command line log in to PostgreSQL as the
acting agent's own role, so that row-level security (``db secure``) binds every statement
they run; ``agent add`` gives a new agent its login, ``agent deactivate`` ends it, and
``db role-password`` sets a role's password.

The tests run as root, an admin of each test database; ``--as alice`` makes the console
log in as alice's role (the database, not the console, then decides what alice reaches:
the same as an agent whose real login is alice).
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from console import credentials
from console.app import AgentConsole
from console.cli import main
from console.config import Settings, load_settings
from console.data.db import Database, make_engine
from console.data.queries import Queries
from console.data.schema import SCHEMA_REVISION
from console.data.secure import role_account, scram_verifier
from console.screens.main import MainScreen
from console.session import open_database
from console.widgets.ticket_queue import TicketQueue
from tests.pg_server import PasswordServer
from tests.pg_server import password_server as password_server  # the fixture
from tests.test_console import settle, until
from tests.test_credentials import MemoryKeyring
from tests.test_credentials import backend as backend  # the fixture
from tests.test_row_security import Desk, drop_roles, in_scope, numbers
from tests.test_row_security import desk as desk  # the fixture

pg_only = pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True
)


@pytest.fixture
def database_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: MemoryKeyring
) -> MemoryKeyring:
    """A config file saying ``security = "database"``, and an empty keyring."""
    config = tmp_path / "config.toml"
    config.write_text('security = "database"\n', encoding="utf-8")
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(config))
    return backend


async def run(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


async def listed(desk: Desk, who: str, capsys: pytest.CaptureFixture[str]) -> set[int]:
    code, out, err = await run(
        "ticket", "list", "--json", "--db", desk.url, "--as", desk.names[who], capsys=capsys
    )
    assert code == 0, err
    return {row["number"] for row in json.loads(out)}


def test_the_setting_is_read_and_a_wrong_value_is_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('security = "database"\n', encoding="utf-8")
    assert load_settings(config).security == "database"
    config.write_text('theme = "nord"\nsecurity = "rows"\n', encoding="utf-8")
    settings = load_settings(config)
    assert settings.security == "application"
    assert settings.problems == [
        f'{config} line 2: security is "application" or "database", not \'rows\'; '
        'using "application".'
    ]


@pg_only
@pytest.mark.parametrize("who", ["alice", "carl"])
async def test_the_cli_as_an_agent_sees_exactly_its_scope(
    desk: Desk, who: str, database_mode: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    scope = await in_scope(desk, who)
    assert 0 < len(scope) < 6
    assert await listed(desk, who, capsys) == scope


@pg_only
async def test_the_policies_decide_what_the_cli_shows_not_the_console(
    desk: Desk,
    database_mode: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The admin narrows the policy to nothing: the console's own scope would still give
    # alice her tickets, but her login reaches none.
    async with desk.db.engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE OR REPLACE FUNCTION console_may_see(dept integer, owner integer, "
                "creator integer, account integer) "
                "RETURNS boolean LANGUAGE sql STABLE AS 'SELECT false'"
            )
        )
    assert await listed(desk, "alice", capsys) == set()
    # Without the setting the console logs in as the URL's user, whom no policy binds.
    monkeypatch.delenv("AGENT_CONSOLE_CONFIG")
    code, out, err = await run(
        "ticket", "list", "--json", "--db", desk.url, "--as", desk.names["alice"], capsys=capsys
    )
    assert code == 0, err
    assert {row["number"] for row in json.loads(out)} == await in_scope(desk, "alice")


@pg_only
async def test_an_update_outside_the_scope_through_the_agents_login_changes_no_row(
    desk: Desk, database_mode: MemoryKeyring
) -> None:
    db, _ = await open_database(desk.url, role=desk.names["alice"])
    try:
        scope = await in_scope(desk, "alice")
        outside = min(await numbers(desk.db, "SELECT number FROM tickets") - scope)
        async with db.write() as session:
            me = (await session.execute(text("SELECT current_user"))).scalar()
            assert me == desk.names["alice"]
            changed = await session.execute(
                text("UPDATE tickets SET subject = 'mine now' WHERE number = :n"), {"n": outside}
            )
            assert changed.rowcount == 0  # type: ignore[attr-defined]
            changed = await session.execute(
                text("UPDATE tickets SET sticky = true WHERE number = :n"), {"n": min(scope)}
            )
            assert changed.rowcount == 1  # type: ignore[attr-defined]
    finally:
        await db.dispose()
    assert "mine now" not in await subjects(desk.db)


async def subjects(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return {row[0] for row in await conn.execute(text("SELECT subject FROM tickets"))}


@pg_only
async def test_the_console_in_database_mode_shows_only_alices_tickets(
    desk: Desk, database_mode: MemoryKeyring
) -> None:
    alice = desk.names["alice"]
    app = AgentConsole(Settings(security="database"), desk.url, alice, watch=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.db is not None and app.actor_name == alice, "logged in")
        await settle(pilot)
        assert app.db is not None and app.db.url.username == alice
        for keys, view in (((), "all"), (("g", "u"), "unassigned")):
            await pilot.press(*keys)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, MainScreen) and screen.view == view
            shown = [row.number for row in screen.query_one(TicketQueue).window.rows]
            # What the console's own scope gives alice, read past the policies.
            expected = await Queries(desk.db, desk.actors["alice"]).window(
                screen.shown_query, limit=100
            )
            assert shown == [row.number for row in expected] != [], view
            assert set(shown) <= await in_scope(desk, "alice")
        # The header says whose login this is, as always.
        assert app.header_info.agent == alice
        async with app.db.read() as session:
            reached = set((await session.execute(text("SELECT number FROM tickets"))).scalars())
        assert reached == await in_scope(desk, "alice")


@pg_only
async def test_agent_add_gives_a_role_that_can_log_in_and_deactivate_ends_it(
    desk: Desk, database_mode: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    dora = f"dora_{uuid.uuid4().hex[:6]}"
    desk.names["dora"] = dora  # dropped with the others
    code, out, err = await run(
        "agent", "add", dora, "--team", "Billing", "--department", "Billing", "--db", desk.url,
        capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    assert f"Its PostgreSQL role {dora} can log in" in out
    from console.data.directory import resolve_actor

    desk.actors["dora"] = await resolve_actor(desk.db, dora, login="root")
    assert await listed(desk, "dora", capsys) == await in_scope(desk, "dora") != set()
    code, out, err = await run("agent", "deactivate", dora, "--db", desk.url, capsys=capsys)
    assert code == 0, err
    assert f"Its PostgreSQL role {dora} can no longer log in." in out
    code, _, err = await run("ticket", "list", "--db", desk.url, "--as", dora, capsys=capsys)
    assert code == 1
    assert f"The PostgreSQL role {dora} may not log in" in err


@pg_only
async def test_logins_that_cannot_work_are_told_why(
    db: Database, db_url: str, database_mode: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.data.directory import Directory, resolve_actor

    tag = uuid.uuid4().hex[:6]
    sam, boss = f"sam_{tag}", f"boss_{tag}"
    root = await resolve_actor(db, login="root")
    await Directory(db, root).add_agent(sam, role="agent")
    await Directory(db, root).add_agent(boss, role="admin")
    try:
        code, _, err = await run("ticket", "list", "--db", db_url, "--as", sam, capsys=capsys)
        assert code == 1
        assert f"There is no PostgreSQL role {sam} in" in err
        assert f"`agent-console agent add {sam}`" in err
        async with db.engine.begin() as conn:
            await conn.execute(text(f'CREATE ROLE "{sam}" LOGIN'))
            await conn.execute(text(f'CREATE ROLE "{boss}" LOGIN BYPASSRLS'))
        code, _, err = await run("ticket", "list", "--db", db_url, "--as", sam, capsys=capsys)
        assert code == 1
        assert "does not enforce scopes yet: run `agent-console db secure` first" in err
        code, _, err = await run("db", "secure", "--db", db_url, capsys=capsys)
        assert code == 0, err
        code, _, err = await run("ticket", "list", "--db", db_url, "--as", sam, capsys=capsys)
        assert code == 0, err
        code, _, err = await run("ticket", "list", "--db", db_url, "--as", boss, capsys=capsys)
        assert code == 1
        assert f"as {boss}, which may bypass row-level security" in err
        assert "each agent logs in as its own role" in err
        async with db.engine.begin() as conn:  # as after an update of agent-console
            await conn.execute(text("UPDATE alembic_version SET version_num = '0009'"))
        code, _, err = await run("ticket", "list", "--db", db_url, "--as", sam, capsys=capsys)
        assert code == 1
        assert "is at schema revision 0009, and this agent-console needs" in err
        assert "an admin brings it up to date with `agent-console db upgrade`" in err
        async with db.engine.begin() as conn:
            await conn.execute(
                text(f"UPDATE alembic_version SET version_num = '{SCHEMA_REVISION}'")
            )
            await conn.execute(text(f'ALTER TABLE tickets OWNER TO "{sam}"'))
        code, _, err = await run("ticket", "list", "--db", db_url, "--as", sam, capsys=capsys)
        assert code == 1
        assert f"as {sam}, which owns the tables, so the policies do not bind it" in err
    finally:
        await drop_roles(db, [sam, boss])


def test_sqlite_refuses_the_setting(
    tmp_path: Path, database_mode: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ticket", "list", "--db", str(tmp_path / "desk.db")])
    assert code == 1
    assert 'security = "database" needs PostgreSQL: a SQLite file has no roles' in (
        capsys.readouterr().err
    )


def _verifier_parts(verifier: str) -> tuple[int, bytes]:
    """The iterations and salt of a SCRAM-SHA-256 verifier."""
    method, rest = verifier.split("$", 1)
    assert method == "SCRAM-SHA-256"
    iterations, salt = rest.split("$", 1)[0].split(":")
    return int(iterations), base64.b64decode(salt)


async def _stored_verifier(db: Database, role: str) -> str:
    async with db.engine.connect() as conn:
        found = await conn.execute(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": role}
        )
        return str(found.scalar())


@pg_only
async def test_the_password_is_sent_as_the_verifier_postgresql_makes(db: Database) -> None:
    role = f"probe_{uuid.uuid4().hex[:6]}"
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("SET LOCAL password_encryption = 'scram-sha-256'"))
            await conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'tr0ub4dor&3 é'"))
        made = await _stored_verifier(db, role)
        iterations, salt = _verifier_parts(made)
        assert scram_verifier("tr0ub4dor&3 é", salt=salt, iterations=iterations) == made
    finally:
        await drop_roles(db, [role])


@pg_only
async def test_role_password_sets_it_and_keeps_it_for_the_agents_own_logins(
    desk: Desk,
    database_mode: MemoryKeyring,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, carl = desk.names["alice"], desk.names["carl"]
    secret = tmp_path / "password"
    secret.write_text("correct horse\n", encoding="utf-8")
    # The admin sets carl's: carl keeps it himself (the admin's keyring is not his).
    code, out, err = await run(
        "db", "role-password", carl, "--password-file", str(secret), "--db", desk.url,
        capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    assert f"{carl} keeps it in their own keyring with `agent-console credentials set" in out
    assert database_mode.secrets == {}
    stored = await _stored_verifier(desk.db, carl)
    iterations, salt = _verifier_parts(stored)
    assert scram_verifier("correct horse", salt=salt, iterations=iterations) == stored
    # Alice sets her own (her real login is alice): it is kept in her keyring, and her
    # next login uses it.
    monkeypatch.setattr("console.data.directory.os_login", lambda: alice)
    code, out, err = await run(
        "db", "role-password", alice, "--password-file", str(secret), "--db", desk.url,
        capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "It is kept in your keyring for your own logins" in out
    account = role_account(desk.url, alice)
    assert database_mode.secrets == {(credentials.SERVICE, account): "correct horse"}
    code, _, err = await run("ticket", "list", "--db", desk.url, capsys=capsys)
    assert code == 0, err
    assert "(database password from keyring)" in err


@pg_only
async def test_role_password_never_from_the_command_line_and_never_empty(
    desk: Desk, database_mode: MemoryKeyring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    carl = desk.names["carl"]
    before = await _stored_verifier(desk.db, carl)
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    cases = [
        (["--password-file", str(empty)], "The password is empty; nothing changed."),
        (["--password-file", str(tmp_path / "none")], "Cannot read"),
        ([], "No terminal to type the password at: give it with --password-file FILE"),
    ]
    for extra, said in cases:
        code, _, err = await run(
            "db", "role-password", carl, *extra, "--db", desk.url, capsys=capsys
        )
        assert code == 1 and said in err, err
    with pytest.raises(SystemExit) as usage:  # no place for a password among the arguments
        main(["db", "role-password", carl, "s3cret", "--db", desk.url])
    assert usage.value.code == 2
    given = tmp_path / "given"
    given.write_text("fine\n", encoding="utf-8")
    code, _, err = await run(
        "db", "role-password", "nobody_here", "--password-file", str(given), "--db", desk.url,
        capsys=capsys,
    )  # fmt: skip
    assert code == 1 and "There is no PostgreSQL role nobody_here in" in err
    assert await _stored_verifier(desk.db, carl) == before


async def test_the_console_on_sqlite_refuses_the_setting(tmp_path: Path) -> None:
    app = AgentConsole(Settings(security="database"), str(tmp_path / "desk.db"), watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.return_code is not None, "the console gave up")
    assert app.return_code == 1
    assert not (tmp_path / "desk.db").exists()  # nothing was made of it


@pg_only
async def test_db_upgrade_grants_the_roles_what_a_new_version_adds(
    desk: Desk, database_mode: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    async with desk.db.engine.begin() as conn:  # as a migration of a newer version would
        await conn.execute(text("CREATE TABLE later_things (id integer PRIMARY KEY)"))
    code, out, err = await run("db", "upgrade", "--db", desk.url, capsys=capsys)
    assert code == 0, err
    assert "Row-level security is on again for its new tables." in out
    alice = desk.as_role("alice")
    assert await numbers(alice, "SELECT count(*) FROM later_things") == {0}


@pytest.mark.pg
async def test_role_passwords_on_a_server_that_checks_them(
    password_server: PasswordServer,
    database_mode: MemoryKeyring,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from console.data.directory import Directory, resolve_actor
    from console.data.schema import ensure_schema
    from console.data.secure import secure
    from console.data.tickets import TicketService

    url = password_server.url()  # the owner's, with its password
    db = make_engine(url)
    try:
        await ensure_schema(db)
        root = await resolve_actor(db, login="root")
        for dept in ("Billing", "Network"):
            await Directory(db, root).add_department(dept)
        await Directory(db, root).add_agent("alice", departments=["Billing"])
        made = {}
        for dept in ("Billing", "Network"):
            record = await TicketService(db, root).create(
                subject=f"{dept} question", contact_name="Pat", department=dept
            )
            made[dept] = record.number
        await secure(db)
    finally:
        await db.dispose()
    monkeypatch.setattr("console.data.directory.os_login", lambda: "alice")
    # No password anywhere, and nobody at a terminal to type one.
    code, _, err = await run("ticket", "list", "--db", url, capsys=capsys)
    assert code == 1
    assert (
        "The PostgreSQL role alice needs a password: keep it with `agent-console credentials "
        f"set postgresql+asyncpg://alice@127.0.0.1:{password_server.port}/postgres` or set "
        "AGENT_CONSOLE_DB_PASSWORD (an admin sets it with `agent-console db role-password "
        "alice`)."
    ) in err
    # Alice's password, set (by her real login) and kept in her keyring.
    secret = tmp_path / "password"
    secret.write_text("alice-Pa55\n", encoding="utf-8")
    code, out, err = await run(
        "db", "role-password", "alice", "--password-file", str(secret), "--db", url,
        capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = await run("ticket", "list", "--json", "--db", url, capsys=capsys)
    assert code == 0, err
    assert "(database password from keyring)" in err
    assert [row["number"] for row in json.loads(out)] == [made["Billing"]]
    # A wrong one is refused in a sentence.
    account = role_account(url, "alice")
    database_mode.secrets[(credentials.SERVICE, account)] = "not-hers"
    code, _, err = await run("ticket", "list", "--db", url, capsys=capsys)
    assert code == 1
    assert (
        "The password of the PostgreSQL role alice was refused: an admin sets it with "
        "`agent-console db role-password alice`."
    ) in err
    # The environment comes first (over SSH there is often no keyring).
    monkeypatch.setenv(credentials.ENV_PASSWORD, "alice-Pa55")
    code, _, err = await run("ticket", "list", "--db", url, capsys=capsys)
    assert code == 0, err
    assert f"(database password from {credentials.ENV_PASSWORD})" in err
