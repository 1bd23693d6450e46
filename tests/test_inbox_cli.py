"""``agent-console inbox``, ``inbox read``, ``message send|list|delete`` and the worker
firing the reminders of everyone: the JSON keys scripts read, and what is refused."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from console.cli import main
from console.data.db import make_engine
from console.data.directory import resolve_actor
from console.data.tickets import TicketService
from tests.conftest import Desk


def acting(desk: Desk, who: str, do: Callable[[TicketService], Awaitable[object]]) -> object:
    """An action by ``who`` on the desk's database, on an event loop of its own (the
    command line runs its own too)."""

    async def go() -> object:
        db = make_engine(desk.db.url.render_as_string(hide_password=False))
        try:
            actor = await resolve_actor(db, who, login="root")
            return await do(TicketService(db, actor, clock=desk.clock))
        finally:
            await db.dispose()

    return asyncio.run(go())


def ticket(desk: Desk) -> int:
    async def create(service: TicketService) -> int:
        record = await service.create(
            subject="Printer on fire", contact_name="Pat", department="Billing"
        )
        return record.number

    number = acting(desk, "alice", create)
    assert isinstance(number, int)
    return number


def run(desk: Desk, who: str, *args: str) -> int:
    db = desk.db.url.render_as_string(hide_password=False)
    return main([*args, "--db", db, "--as", who])


def answer(desk: Desk, capsys: pytest.CaptureFixture[str], who: str, *args: str) -> object:
    capsys.readouterr()
    assert run(desk, who, *args) == 0
    return json.loads(capsys.readouterr().out)


def test_inbox_and_messages_on_the_command_line(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = ticket(desk)
    acting(desk, "alice", lambda s: s.comment(number, "@bob have a look"))
    body = tmp_path / "body.txt"
    body.write_text("Acme renews on Friday.\n")
    sent = answer(
        desk,
        capsys,
        "alice",
        "message",
        "send",
        "--to",
        "bob",
        "--to",
        "lena",
        "--subject",
        "Renewal",
        "--body-file",
        str(body),
        "--ticket",
        str(number),
        "--json",
    )
    assert isinstance(sent, dict) and sent["to"] == ["bob", "lena"]

    entries = answer(desk, capsys, "bob", "inbox", "--json")
    assert isinstance(entries, list)
    assert [sorted(e) for e in entries] == [
        ["at", "from", "id", "kind", "read", "text", "ticket"]
    ] * 2
    message, mention = entries
    assert (message["kind"], message["ticket"], message["from"], message["text"]) == (
        "message",
        number,
        "alice",
        "Renewal",
    )
    assert (mention["kind"], mention["read"]) == ("mention", False)

    assert answer(desk, capsys, "bob", "inbox", "read", str(mention["id"]), "--json") == {
        **mention,
        "read": True,
    }
    unread = answer(desk, capsys, "bob", "inbox", "--unread", "--json")
    assert [e["id"] for e in unread] == [message["id"]]  # type: ignore[union-attr]
    assert run(desk, "bob", "inbox", "read", "--all") == 0
    assert "Marked 1 entry read." in capsys.readouterr().out
    assert answer(desk, capsys, "bob", "inbox", "--unread", "--json") == []

    # Nobody reads or marks another's: the entry is not there for them.
    assert run(desk, "carl", "inbox", "read", str(message["id"])) == 1
    assert "Your inbox has no entry" in capsys.readouterr().err
    assert answer(desk, capsys, "carl", "message", "list", "--json") == []
    assert run(desk, "carl", "message", "delete", str(sent["id"])) == 1

    listed = answer(desk, capsys, "alice", "message", "list", "--sent", "--json")
    assert [m["subject"] for m in listed] == ["Renewal"]  # type: ignore[index]
    assert run(desk, "lena", "message", "delete", str(sent["id"])) == 0
    assert answer(desk, capsys, "lena", "message", "list", "--json") == []
    assert len(answer(desk, capsys, "bob", "message", "list", "--json")) == 1  # type: ignore[arg-type]

    assert (
        run(desk, "alice", "message", "send", "--to", "ghost", "--subject", "S", "--body", "B") == 1
    )
    assert "Not an active agent: ghost" in capsys.readouterr().err


def test_the_worker_fires_everyones_due_reminders_once(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    number = ticket(desk)
    # The desk's clock is in the past (a minute ahead of it is upcoming there): the
    # reminder is due for the worker's real clock.
    acting(
        desk,
        "alice",
        lambda s: s.add_activity(
            number, "Call Pat back", owner="bob", reminder=desk.clock() + timedelta(minutes=1)
        ),
    )
    config = tmp_path / "config.toml"
    config.write_text("")
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(config))
    db = desk.db.url.render_as_string(hide_password=False)
    capsys.readouterr()
    assert main(["worker", "--once", "--json", "--db", db]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["reminders"] == [{"ticket": number, "agent": "bob", "text": "task: Call Pat back"}]
    assert main(["worker", "--once", "--json", "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["reminders"] == []
    entries = answer(desk, capsys, "bob", "inbox", "--json")
    assert [(e["kind"], e["ticket"], e["from"]) for e in entries] == [  # type: ignore[index]
        ("reminder", number, "reminder")
    ]
