"""``agent-console mail import``, the quarantine, ``ticket customer-message`` and the mail
fields of ``ticket show --json``: the exact JSON keys and exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_cli import CLI, cli

__all__ = ["cli"]  # the fixture, shared with the other command-line tests

CORPUS = Path(__file__).with_name("mail")


def maildir_of(tmp_path: Path, names: list[str]) -> Path:
    """A Maildir holding some of the corpus, in new/."""
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    for index, name in enumerate(names):
        shutil.copy(CORPUS / name, box / "new" / f"{1700000000 + index}.M{index}P1.host")
    return box


def test_mail_import_reports_json_and_imports_nothing_twice(cli: CLI, tmp_path: Path) -> None:
    assert cli("department", "add", "Sales", "--email", "billing@desk.example")[0] == 0
    box = maildir_of(
        tmp_path,
        [
            "01-new-plain.eml",
            "02-reply-by-references-only.eml",
            "13-out-of-office.eml",
            "15-mailing-list.eml",
            "10-duplicate-message-id.eml",
        ],
    )
    report = cli.json("mail", "import", str(box), "--department", "Billing")
    assert isinstance(report, dict)
    assert list(report) == ["created", "threaded", "automatic", "duplicates", "quarantined"]
    [number] = report["created"]
    assert (report["threaded"], report["automatic"], report["duplicates"]) == (
        [number],
        [number],
        1,
    )
    [held] = report["quarantined"]
    assert held["source"].endswith("P1.host") and "belongs to no ticket" in held["reason"]
    again = cli.json("mail", "import", str(box))
    assert again == {
        "created": [],
        "threaded": [],
        "automatic": [],
        "duplicates": 5,
        "quarantined": [],
    }
    shown = cli.json("ticket", "show", str(number))
    assert isinstance(shown, dict)
    assert shown["department"] == "Sales"  # its To address names Sales
    first, by_refs, ooo = shown["messages"]
    assert {
        k: first[k] for k in ("message_id", "from", "to", "cc", "threaded_by", "automatic")
    } == {
        "message_id": "<c1.pat@acme.example>",
        "from": "Pat Customer <pat@acme.example>",
        "to": ["Billing Desk <billing@desk.example>"],
        "cc": [],
        "threaded_by": None,
        "automatic": False,
    }
    assert (by_refs["threaded_by"], by_refs["automatic"]) == ("references", False)
    assert (ooo["threaded_by"], ooo["automatic"]) == ("in-reply-to", True)


def test_mail_import_text_report_and_exit_codes(cli: CLI, tmp_path: Path) -> None:
    code, out, _ = cli("mail", "import", str(CORPUS / "01-new-plain.eml"))
    assert code == 0
    assert out.startswith("Read 1 mail: 1 new ticket(s) (#1001), 0 threaded")
    code, out, err = cli("mail", "import", str(tmp_path / "nothing-here"))
    assert (code, out) == (1, "")
    assert "no such file or folder" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = cli("mail", "import", str(empty))
    assert code == 1 and "not a Maildir" in err
    code, _, err = cli("mail", "import", str(CORPUS), "--department", "Nowhere")
    assert code == 1 and "No department 'Nowhere'" in err
    with pytest.raises(SystemExit) as usage:
        cli("mail", "import")
    assert usage.value.code == 2


def test_quarantine_list_release_and_drop(cli: CLI, tmp_path: Path) -> None:
    names = ["15-mailing-list.eml", "14-bounce-of-unknown.eml", "18-no-sender.eml"]
    report = cli.json("mail", "import", *(str(CORPUS / n) for n in names))
    assert isinstance(report, dict) and len(report["quarantined"]) == 3
    held = cli.json("mail", "quarantine")
    assert isinstance(held, list)
    assert [h["source"].rsplit("/", 1)[-1] for h in held] == names
    assert set(held[0]) == {"id", "source", "reason", "size", "at"}
    code, out, _ = cli("mail", "quarantine")
    assert code == 0 and "automatic mail (Precedence: bulk) that belongs to no ticket" in out
    released = cli.json("mail", "release", str(held[0]["id"]))
    assert released == {"kind": "created", "number": 1001}
    code, _, err = cli("mail", "release", str(held[2]["id"]))
    assert code == 1 and "no sender address" in err
    assert cli("mail", "drop", str(held[2]["id"]))[0] == 0
    code, _, err = cli("mail", "drop", str(held[2]["id"]))
    assert code == 1 and "No quarantined mail" in err
    left = cli.json("mail", "quarantine")
    assert isinstance(left, list)
    assert [h["id"] for h in left] == [held[1]["id"]]


def test_ticket_customer_message_by_hand(cli: CLI, tmp_path: Path) -> None:
    imported = cli.json(
        "mail", "import", str(CORPUS / "01-new-plain.eml"), "--department", "Billing"
    )
    assert isinstance(imported, dict)
    [number] = imported["created"]
    assert cli("ticket", "pickup", str(number), login="alice")[0] == 0
    body = tmp_path / "call.txt"
    body.write_text("Called: the printer is fine now.\n")
    code, out, err = cli(
        "ticket",
        "customer-message",
        str(number),
        "--from",
        "pat@acme.example",
        "--body-file",
        str(body),
        login="alice",
    )
    assert code == 0, err
    assert "unassigned" in out  # the customer's message gives a non-sticky ticket back
    shown = cli.json("ticket", "show", str(number))
    assert isinstance(shown, dict)
    last = shown["messages"][-1]
    assert (last["kind"], last["body"], last["from"]) == (
        "customer",
        "Called: the printer is fine now.\n",
        "pat@acme.example",
    )
    code, _, err = cli(
        "ticket", "customer-message", str(number), "--from", "nobody", "--body-file", str(body)
    )
    assert code == 1 and "not an email address" in err
    code, _, err = cli(
        "ticket",
        "customer-message",
        str(number),
        "--from",
        "pat@acme.example",
        "--body-file",
        str(tmp_path / "missing.txt"),
    )
    assert code == 1 and "Cannot read" in err


ROOT = Path(__file__).resolve().parent.parent


def _import_on(tmp_path: Path, *, terminal: bool, as_json: bool = False) -> str:
    """Run ``mail import`` of the corpus with stderr on a terminal (a pty) or a pipe."""
    import os
    import pty
    import subprocess
    import sys

    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        AGENT_CONSOLE_CONFIG=str(tmp_path / "none.toml"),
        LOGNAME="root",
    )
    argv = [sys.executable, "-m", "console", "mail", "import", str(CORPUS)]
    argv += ["--db", str(tmp_path / f"t{terminal}{as_json}.db")]
    if as_json:
        argv.append("--json")
    if not terminal:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=follower, stdin=subprocess.DEVNULL
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the other end closed: the import is over
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(120) == 0
    os.close(leader)
    return b"".join(chunks).decode(errors="replace")


def test_progress_only_on_a_terminal(tmp_path: Path) -> None:
    shown = _import_on(tmp_path, terminal=True)
    assert "20 mails read · 13 tickets made · 2 threaded · 4 quarantined" in shown
    assert "mails read" not in _import_on(tmp_path, terminal=False)
    assert "mails read" not in _import_on(tmp_path, terminal=True, as_json=True)
