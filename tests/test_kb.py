"""The knowledge base on both backends: published resolutions become articles, articles
are written, edited, listed and searched (the ticket search's engine), resolutions are in
ticket search, and `agent-console kb` does it all for scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.data.errors import BadValue, NotFound
from console.data.kb import KnowledgeBase
from tests.conftest import Desk
from tests.test_cli import CLI, create
from tests.test_cli import cli as cli  # the fixture
from tests.test_search import found


def kb(desk: Desk, who: str = "alice") -> KnowledgeBase:
    return KnowledgeBase(desk.db, desk.actors[who], desk.clock)


async def test_a_published_resolution_is_an_article_that_keeps_its_edits(desk: Desk) -> None:
    number = await desk.ticket(subject="Printer offline after update")
    alice = desk.service("alice")
    await alice.pick_up(number)
    await alice.close(number, resolution="Reinstall driver 4.2", publish_to_kb=True)
    [article] = await kb(desk).list()
    assert (article.title, article.body, article.ticket) == (
        "Printer offline after update",
        "Reinstall driver 4.2",
        number,
    )
    assert article.author == "alice"

    edited = await kb(desk, "bob").edit(
        article.id, body="Reinstall driver 4.2, then reboot.", tags="printer, Drivers"
    )
    assert edited.tags == ("printer", "drivers") and edited.author == "bob"
    # Publishing the resolution again leaves the edited article as it is ...
    await alice.set_resolution(number, "Driver 4.2", publish_to_kb=True)
    assert (await kb(desk).show(article.id)).body == "Reinstall driver 4.2, then reboot."
    # ... and one that was not edited follows its resolution.
    other = await desk.ticket(subject="Toner smears")
    await alice.pick_up(other)
    await alice.set_resolution(other, "Shake the toner", publish_to_kb=True)
    await alice.set_resolution(other, "Replace the toner", publish_to_kb=True)
    assert [a.body for a in await kb(desk).search("toner")] == ["Replace the toner"]


async def test_articles_are_searched_by_title_body_and_tags(desk: Desk) -> None:
    base = kb(desk)
    vpn = await base.add("VPN drops hourly", "Renew the certificate.", "network,vpn")
    invoice = await base.add("Double charge", "Refund from the billing portal.", ["billing"])
    assert {a.id for a in await base.search("vpn")} == {vpn.id}
    assert {a.id for a in await base.search("certif")} == {vpn.id}  # a word being typed
    assert {a.id for a in await base.search("billing")} == {invoice.id}  # tag and body
    assert {a.id for a in await base.search("refund portal")} == {invoice.id}  # every word
    assert await base.search("refund vpn") == []
    assert {a.id for a in await base.search("refund vpn", every=False)} == {vpn.id, invoice.id}
    assert [a.id for a in await base.search("  ")] == [invoice.id, vpn.id]  # newest first
    await base.edit(vpn.id, title="Tunnel falls every hour")
    assert await base.search("drops") == []  # the old title left the index ...
    assert {a.id for a in await base.search("tunnel")} == {vpn.id}  # ... the new one is in


async def test_bad_articles_are_refused(desk: Desk) -> None:
    base = kb(desk)
    with pytest.raises(BadValue, match="needs a title"):
        await base.add("  ", "text")
    with pytest.raises(BadValue, match="needs some text"):
        await base.add("Title", "\n ")
    with pytest.raises(NotFound, match="no ticket #999"):
        await base.add("Title", "text", ticket=999)
    with pytest.raises(NotFound, match="no article 42"):
        await base.edit(42, title="x")
    number = await desk.ticket()
    await base.add("From a ticket", "text", ticket=number)
    with pytest.raises(BadValue, match=f"#{number} already has article"):
        await base.add("Again", "text", ticket=number)


async def test_resolutions_are_in_ticket_search(desk: Desk) -> None:
    number = await desk.ticket(subject="Cannot log in")
    other = await desk.ticket(subject="Cannot print")
    alice = desk.service("alice")
    await alice.pick_up(number)
    await alice.set_resolution(number, "Cleared the stale kerberos ticket")
    assert await found(desk, "kerberos") == {number}
    assert await found(desk, "cannot", "kerber") == {number}
    await alice.set_resolution(number, "Reset the password")
    assert await found(desk, "kerberos") == set()
    assert await found(desk, "password") == {number}
    assert other not in await found(desk, "password")


def test_kb_from_the_command_line(cli: CLI, tmp_path: Path) -> None:
    number = create(cli)
    added = cli.json(
        "kb", "add", "--title", "VPN drops", "--body", "Renew the certificate.",
        "--tags", "vpn,Network", "--ticket", str(number), login="alice",
    )  # fmt: skip
    assert isinstance(added, dict)
    assert added["title"] == "VPN drops" and added["tags"] == ["vpn", "network"]
    assert added["ticket"] == number and added["author"] == "alice"
    body = tmp_path / "body.txt"
    body.write_text("Step 1: renew.\nStep 2: reconnect.\n", "utf-8")
    edited = cli.json("kb", "edit", str(added["id"]), "--body-file", str(body), login="bob")
    assert isinstance(edited, dict) and edited["body"] == "Step 1: renew.\nStep 2: reconnect.\n"
    assert cli.json("kb", "search", "reconnect") == [edited]
    assert cli.json("kb", "search", "nothing here") == []
    code, out, _ = cli("kb", "list", login="alice")
    assert code == 0 and out == f"{added['id']}: VPN drops [vpn, network] (from #{number})\n"
    code, out, _ = cli("kb", "show", str(added["id"]), login="alice")
    assert code == 0 and "Step 2: reconnect." in out and "by bob" in out
    code, _, err = cli("kb", "show", "99", login="alice")
    assert code == 1 and "There is no article 99." in err
    with pytest.raises(SystemExit) as usage:
        cli("kb", "add", "--title", "No text", login="alice")
    assert usage.value.code == 2
