"""Split: chosen messages of a ticket move into a new ticket of the same contact and
account; both histories name the other ticket (both backends), and `ticket split N
--messages ID,ID --json` prints the new ticket like `ticket create --json`."""

from __future__ import annotations

import json

import pytest

from console.data.errors import BadValue, Refused
from tests.conftest import Desk
from tests.test_cli import CLI, create
from tests.test_cli import cli as cli  # the fixture


async def test_split_moves_the_chosen_messages_into_a_new_ticket(desk: Desk) -> None:
    number = await desk.ticket(subject="Two questions", contact_name="Pat Customer")
    alice = desk.service("alice")
    await alice.customer_message(number, "First: the invoice is wrong.")
    await alice.customer_message(number, "Second: the VPN drops.")
    await alice.pick_up(number)  # after them: a customer's message unassigns a ticket
    await alice.reply(number, "About the VPN: renew the certificate.")
    before = await alice.queries.detail(number)
    vpn = [m.id for m in before.messages if "VPN" in m.body]
    new = await alice.split(number, vpn, expected_version=before.ticket.version)
    assert new.number != number and new.status == "New" and new.owner is None
    assert (new.contact, new.account, new.department, new.priority) == (
        before.ticket.contact,
        before.ticket.account,
        before.ticket.department,
        before.ticket.priority,
    )
    old_detail = await alice.queries.detail(number)
    new_detail = await alice.queries.detail(new.number)
    assert [m.body for m in old_detail.messages] == ["First: the invoice is wrong."]
    assert sorted(m.id for m in new_detail.messages) == sorted(vpn)
    split_into = [e for e in old_detail.history if e.action == "split"]
    assert [e.new for e in split_into] == [f"#{new.number} (2 messages: {vpn[0]}, {vpn[1]})"]
    split_from = [(e.field, e.new) for e in new_detail.history if e.action == "split"]
    assert split_from == [("split from", f"#{number}")]


async def test_split_refusals_change_nothing(desk: Desk) -> None:
    number = await desk.ticket()
    alice = desk.service("alice")
    await alice.customer_message(number, "Only one")
    await alice.pick_up(number)  # after it: a customer's message unassigns a ticket
    [only] = [m.id for m in (await alice.queries.detail(number)).messages]
    with pytest.raises(BadValue, match="Leave at least one message"):
        await alice.split(number, [only])
    with pytest.raises(BadValue, match=f"has no message 9999; its messages are {only}"):
        await alice.split(number, [9999])
    with pytest.raises(Refused, match=r"for its owner \(alice\) or a lead"):
        await desk.service("bob").split(number, [only])
    assert [e.action for e in (await alice.queries.detail(number)).history].count("split") == 0


def test_split_from_the_command_line(cli: CLI) -> None:
    number = create(cli)
    assert cli("ticket", "pickup", str(number), login="alice")[0] == 0
    for text in ("One", "Two", "Three"):
        code, _, err = cli("ticket", "reply", str(number), "--body", text, login="alice")
        assert code == 0, err
    shown = cli.json("ticket", "show", str(number), login="alice")
    assert isinstance(shown, dict)
    ids = [m["id"] for m in shown["messages"] if m["body"] in ("Two", "Three")]
    code, out, err = cli(
        "ticket", "split", str(number), "--messages", f"{ids[0]},{ids[1]}", "--json",
        login="alice",
    )  # fmt: skip
    assert code == 0, err
    new = json.loads(out)
    created = cli.json("ticket", "show", str(new["number"]), login="alice")
    assert isinstance(created, dict)
    # The new ticket as `ticket create --json` prints one (the same fields).
    made = cli.json("ticket", "release", str(number), login="alice")
    assert isinstance(made, dict) and set(new) == set(made)
    assert new["subject"] == made["subject"] and new["owner"] is None
    assert sorted(m["body"] for m in created["messages"]) == ["Three", "Two"]
    with pytest.raises(SystemExit) as usage:
        cli("ticket", "split", str(number), "--messages", "x", login="alice")
    assert usage.value.code == 2
