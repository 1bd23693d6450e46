"""``agent-console mail outbox/retry/cancel/send`` and ``department edit/list``: what a
script sees, with a real SMTP server on a loopback port."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.smtp_server import Handler, loopback_smtp
from tests.test_cli import CLI, cli

__all__ = ["cli"]


@pytest.fixture
def smtp() -> Iterator[tuple[Handler, int]]:
    yield from loopback_smtp()


def configure(port: int) -> None:
    path = Path(os.environ["AGENT_CONSOLE_CONFIG"])
    path.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'from = "desk@help.example"\n\n[mail]\ndomain = "help.example"\n',
        encoding="utf-8",
    )


def test_without_smtp_a_reply_is_stored_and_said_not_sent(cli: CLI) -> None:
    code, _, err = cli(
        "ticket", "create", "--subject", "VPN", "--contact-name", "Pat",
        "--contact-email", "pat@acme.example", "--department", "Billing", login="alice",
    )  # fmt: skip
    assert code == 0, err
    assert cli("ticket", "reply", "1001", "--body", "Try again", login="alice")[0] == 0
    [mail] = cli.json("mail", "outbox")  # type: ignore[misc]
    assert (mail["state"], mail["detail"], mail["kind"]) == (
        "failed",
        "not sent: no mail server configured",
        "reply",
    )
    code, _, err = cli("mail", "send", "--once")
    assert code == 1 and "No mail server is configured" in err
    code, _, err = cli("mail", "retry", str(mail["id"]))
    assert code == 1 and "no mail server is configured" in err


def test_outbox_send_retry_cancel(cli: CLI, smtp: tuple[Handler, int]) -> None:
    handler, port = smtp
    configure(port)
    code, _, err = cli(
        "ticket", "create", "--subject", "VPN", "--contact-name", "Pat",
        "--contact-email", "pat@acme.example", "--department", "Billing", "--no-ack",
        login="alice",
    )  # fmt: skip
    assert code == 0, err
    for body in ("One", "Two", "Three"):
        assert cli("ticket", "reply", "1001", "--body", body, login="alice")[0] == 0
    queued = cli.json("mail", "outbox", "--state", "queued")
    assert isinstance(queued, list) and len(queued) == 3
    assert set(queued[0]) >= {"id", "ticket_number", "state", "message_id", "to", "detail"}
    newest = queued[0]["id"]
    assert cli("mail", "cancel", str(newest))[0] == 0
    code, _, err = cli("mail", "cancel", str(newest))
    assert code == 1 and "Only a queued mail can be cancelled" in err
    handler.mode = "550"
    assert cli.json("mail", "send", "--once") == {
        "sent": 0,
        "failed": 2,
        "retried": 0,
        "queued": 0,
    }
    failed = cli.json("mail", "outbox", "--state", "failed")
    assert isinstance(failed, list)
    assert [m["detail"] for m in failed] == ["550 5.1.1 Mailbox unavailable"] * 2
    handler.mode = "ok"
    assert cli("mail", "retry", str(failed[0]["id"]))[0] == 0
    report = cli.json("mail", "send", "--once")
    assert report == {"sent": 1, "failed": 0, "retried": 0, "queued": 0}
    [received] = handler.received
    assert received.message()["Subject"] == "Re: VPN [#1001]"
    assert received.message()["Message-ID"].endswith("@help.example>")
    code, out, _ = cli("mail", "outbox")
    assert code == 0 and f"{failed[0]['id']}  #1001  reply  to pat@acme.example  sent" in out


def test_department_edit_and_list(cli: CLI, tmp_path: Path) -> None:
    ack = tmp_path / "ack.txt"
    ack.write_text("Thanks {contact}, it is #{number}.\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("Hello {name}\n", encoding="utf-8")
    code, _, err = cli(
        "department", "edit", "Billing", "--email", "billing@help.example",
        "--ack-template", str(ack), "--auto-close-days", "3",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = cli("department", "edit", "Network", "--ack-template", str(bad))
    assert code == 1 and "not {name}" in err
    code, _, err = cli("department", "edit", "Network", "--email", "nope")
    assert code == 1 and "not an address" in err
    assert cli("department", "edit", "Network", "--no-ack", "--auto-close-days", "-1")[0] == 0
    found = cli.json("department", "list")
    assert isinstance(found, list)
    by_name = {d["name"]: d for d in found}
    assert by_name["Billing"]["ack_template"] == "Thanks {contact}, it is #{number}.\n"
    assert by_name["Billing"]["auto_close_days"] == 3
    assert (by_name["Network"]["ack_enabled"], by_name["Network"]["auto_close_days"]) == (
        False,
        -1,
    )
    code, out, _ = cli("department", "list")
    lines = out.splitlines()
    assert lines[0].split()[:6] == [
        "DEPARTMENT",
        "OPEN",
        "EMAIL",
        "ACKNOWLEDGEMENT",
        "CLOSING",
        "AUTO-CLOSE",
    ]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["Billing"][2:4] == ["billing@help.example", "own"]
    assert rows["Billing"][6:9] == ["after", "3", "days"]
    assert rows["Network"][2:4] == ["-", "off"]
    assert rows["Network"][5] == "never"
