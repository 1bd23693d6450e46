"""The worker against a real Dovecot: new mail, a reply threaded by References only, mail
appended while it runs, a changed UIDVALIDITY, the server dropping the connection in the
middle (nothing lost, nothing twice) and a wrong password (a clear sentence, and the worker
keeps running and tries again).  \\Seen is set only after the ticket is committed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.config import load_settings
from console.data.db import Database
from console.data.models import Message
from console.mail import imap
from console.mail.sources import Found
from console.worker import Worker
from tests.conftest import Desk
from tests.imap_server import PASSWORD, Dovecot, dovecot, dovecot_without_idle
from tests.test_console import sqlite_only

__all__ = ["dovecot", "dovecot_without_idle"]  # the fixtures

CORPUS = Path(__file__).with_name("mail")


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def worker_for(
    desk: Desk, server: Dovecot, tmp_path: Path, lines: list[str] | None = None, poll: float = 60
) -> Worker:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[[mailboxes]]\ndepartment = "Billing"\nimap = "{server.url()}"\npoll_seconds = {poll}\n'
    )
    say = lines.append if lines is not None else (lambda _line: None)
    return Worker(desk.db, load_settings(cfg), say=say)


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_CONSOLE_IMAP_PASSWORD", PASSWORD)


async def message_ids(db: Database) -> list[str | None]:
    async with db.read() as s:
        return list((await s.execute(select(Message.message_id).order_by(Message.id))).scalars())


async def test_new_mail_and_a_reply_threaded_by_references_only(
    desk: Desk, dovecot: Dovecot, tmp_path: Path
) -> None:
    dovecot.append(corpus("01-new-plain.eml"))
    dovecot.append(corpus("02-reply-by-references-only.eml"))
    worker = worker_for(desk, dovecot, tmp_path)
    seen_at_commit: list[dict[int, str]] = []

    async def after(found: Found) -> None:
        seen_at_commit.append(dovecot.flags())

    worker.after_mail = after
    [result] = await worker.run(once=True)
    assert result.error is None
    assert result.report is not None
    assert (result.report.created, result.report.threaded) == ([1001], [1001])
    assert "\\Seen" in seen_at_commit[0][1] and "\\Seen" not in seen_at_commit[0][2]
    assert all("\\Seen" in flags for flags in dovecot.flags().values())
    d = await desk.service("root").queries.detail(1001)
    assert [m.threaded_by for m in d.messages] == [None, "references"]
    position = await worker.intake.position(dovecot.url())
    assert position is not None and position[1] == 2
    [again] = await worker.run(once=True)
    assert again.report is not None and again.report.read == 0


async def test_mail_appended_while_the_worker_runs(
    desk: Desk, dovecot: Dovecot, tmp_path: Path
) -> None:
    worker = worker_for(desk, dovecot, tmp_path, poll=0.1)
    imported: list[str] = []

    async def after(found: Found) -> None:
        imported.append(found.source)

    worker.after_mail = after
    running = asyncio.create_task(worker.run())
    dovecot.append(corpus("17-network-by-cc.eml"))
    for _ in range(600):  # until the worker took it in (or 30 s: the assert fails)
        if imported:
            break
        await asyncio.sleep(0.05)
    worker.stop.set()
    await asyncio.wait_for(running, 20)
    assert imported == [f"{dovecot.url()} UID 1"]
    assert await message_ids(desk.db) == ["<v1@acme.example>"]


async def test_a_changed_uidvalidity_reads_again_and_imports_nothing_twice(
    desk: Desk, dovecot: Dovecot, tmp_path: Path
) -> None:
    lines: list[str] = []
    worker = worker_for(desk, dovecot, tmp_path, lines)
    dovecot.append(corpus("01-new-plain.eml"))
    await worker.run(once=True)
    dovecot.set_uidvalidity(4242)
    dovecot.append(corpus("17-network-by-cc.eml"))
    [result] = await worker.run(once=True)
    assert result.report is not None
    assert (result.report.created, result.report.duplicates) == ([1002], 1)
    assert any("UIDVALIDITY changed" in line for line in lines)
    assert await worker.intake.position(dovecot.url()) == (4242, 2)
    assert await message_ids(desk.db) == ["<c1.pat@acme.example>", "<v1@acme.example>"]


async def test_the_server_dropping_mid_pass_loses_nothing_and_doubles_nothing(
    desk: Desk, dovecot: Dovecot, tmp_path: Path
) -> None:
    names = [
        "01-new-plain.eml",
        "03-html-only.eml",
        "04-unknown-charset.eml",
        "17-network-by-cc.eml",
    ]
    for name in names:
        dovecot.append(corpus(name))
    worker = worker_for(desk, dovecot, tmp_path)
    done: list[str] = []

    async def after(found: Found) -> None:
        done.append(found.source)
        if len(done) == 2:
            dovecot.kick()  # the server drops every connection of the user

    worker.after_mail = after
    [cut] = await worker.run(once=True)
    assert cut.error is not None and cut.error.startswith("The IMAP connection was lost")
    assert "after 2 mail(s); the rest is read at the next look" in cut.error
    worker.after_mail = None
    [rest] = await worker.run(once=True)
    assert rest.error is None and rest.report is not None and rest.report.read == 2
    async with desk.db.read() as s:
        count = (await s.execute(select(func.count()).select_from(Message))).scalar()
    assert count == 4
    assert sorted(filter(None, await message_ids(desk.db))) == sorted(
        ["<c1.pat@acme.example>", "<h1@html.example>", "<u1@charset.example>", "<v1@acme.example>"]
    )


async def test_a_wrong_password_is_said_and_the_worker_keeps_trying(
    desk: Desk, dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_CONSOLE_IMAP_PASSWORD", "wrong")
    dovecot.append(corpus("01-new-plain.eml"))
    lines: list[str] = []
    worker = worker_for(desk, dovecot, tmp_path, lines, poll=0.1)
    running = asyncio.create_task(worker.run())
    for _ in range(600):  # until it has tried twice
        if sum("refused the login" in line for line in lines) >= 2:
            break
        await asyncio.sleep(0.05)
    refusals = [line for line in lines if "refused the login" in line]
    assert len(refusals) >= 2, lines
    assert refusals[0].startswith(
        f"Billing ({dovecot.url()}): The IMAP server support@127.0.0.1:{dovecot.port} "
        "refused the login of support (wrong user or password?"
    )
    assert "AGENT_CONSOLE_IMAP_PASSWORD" in refusals[0]
    assert not running.done()  # still running
    monkeypatch.setenv("AGENT_CONSOLE_IMAP_PASSWORD", PASSWORD)
    for _ in range(600):
        if await message_ids(desk.db):
            break
        await asyncio.sleep(0.05)
    worker.stop.set()
    await asyncio.wait_for(running, 20)
    assert await message_ids(desk.db) == ["<c1.pat@acme.example>"]


async def until(done: Callable[[], bool], what: str) -> None:
    """Wait, by progress, until ``done`` (at most 30 s: then the test fails saying what)."""
    for _ in range(600):
        if done():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


@sqlite_only
async def test_idle_imports_a_mail_at_once_and_is_renewed(
    desk: Desk, dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The poll is an hour away: only IDLE can bring the second mail in.  Each IDLE is
    ended and begun again (here every 0.3 s, in use every 25 minutes) without losing
    what arrives."""
    monkeypatch.setattr(imap, "IDLE_RENEW_SECONDS", 0.3)
    lines: list[str] = []
    worker = worker_for(desk, dovecot, tmp_path, lines, poll=3600)
    imported: list[str] = []

    async def after(found: Found) -> None:
        imported.append(found.source)

    worker.after_mail = after
    dovecot.append(corpus("01-new-plain.eml"))
    running = asyncio.create_task(worker.run())
    try:
        await until(lambda: len(imported) == 1, "the first look at the mailbox")
        await until(lambda: worker.idles.get(dovecot.url(), 0) >= 3, "two renewed IDLEs")
        dovecot.append(corpus("17-network-by-cc.eml"))
        await until(lambda: len(imported) == 2, "the mail appended while idling")
    finally:
        worker.stop.set()
        await asyncio.wait_for(running, 20)
    assert imported == [f"{dovecot.url()} UID 1", f"{dovecot.url()} UID 2"]
    assert await message_ids(desk.db) == ["<c1.pat@acme.example>", "<v1@acme.example>"]
    assert not [line for line in lines if "IDLE" in line]  # nothing to say: it idled


@sqlite_only
async def test_without_idle_in_capability_the_worker_polls(
    desk: Desk, dovecot_without_idle: Dovecot, tmp_path: Path
) -> None:
    server = dovecot_without_idle
    lines: list[str] = []
    worker = worker_for(desk, server, tmp_path, lines, poll=0.2)
    running = asyncio.create_task(worker.run())
    try:
        await until(lambda: any("offers no IDLE" in line for line in lines), "the fallback")
        server.append(corpus("17-network-by-cc.eml"))
        for _ in range(600):
            if await message_ids(desk.db):
                break
            await asyncio.sleep(0.05)
    finally:
        worker.stop.set()
        await asyncio.wait_for(running, 20)
    assert await message_ids(desk.db) == ["<v1@acme.example>"]
    assert f"Billing ({server.url()}): the server offers no IDLE; polling every 0.2 s." in lines
    assert worker.idles == {}
