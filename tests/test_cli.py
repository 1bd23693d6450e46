"""The command line: every action done and refused, exit codes, messages and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main


class CLI:
    """Runs `agent-console` in-process on one database, as the admin (the real OS login of
    this process, the database's first user) or, with ``--as``, as another agent."""

    def __init__(
        self, db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.db = db
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, *argv: str, login: str = "root") -> tuple[int, str, str]:
        acting = [] if login == "root" else ["--as", login]
        self.capsys.readouterr()
        code = main([*argv, *acting, "--db", self.db])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *argv: str, login: str = "root") -> object:
        code, out, err = self(*argv, "--json", login=login)
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> CLI:
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.delenv("AGENT_CONSOLE_DB", raising=False)
    run = CLI(db_url, capsys, monkeypatch)
    # The first user of a new database becomes its admin.
    assert run("agent", "list")[0] == 0
    assert run("department", "add", "Billing")[0] == 0
    assert run("department", "add", "Network")[0] == 0
    for name, role, team, dept in (
        ("lena", "lead", "Billing", "Billing"),
        ("alice", "agent", "Billing", "Billing"),
        ("bob", "agent", "Billing", "Billing"),
        ("carl", "agent", "Network", "Network"),
    ):
        code, _, err = run(
            "agent", "add", name, "--role", role, "--team", team, "--department", dept
        )
        assert code == 0, err
    assert run("account", "add", "Acme Ltd", "--coordinator", "alice")[0] == 0
    assert (
        run("account", "add", "Oldco", "--coordinator", "alice", "--amc-expires", "2020-01-01")[0]
        == 0
    )
    return run


def create(cli: CLI, login: str = "alice", **extra: str) -> int:
    argv = [
        "ticket",
        "create",
        "--subject",
        extra.pop("subject", "VPN drops every hour"),
        "--contact-name",
        "Pat Doe",
        "--contact-email",
        extra.pop("email", "pat@acme.example"),
        "--account",
        extra.pop("account", "Acme Ltd"),
        "--department",
        "Billing",
    ]
    for key, value in extra.items():
        argv += [f"--{key.replace('_', '-')}", value]
    data = cli.json(*argv, login=login)
    assert isinstance(data, dict)
    return int(data["number"])


def test_first_user_becomes_admin_and_agent_list_json(cli: CLI) -> None:
    agents = cli.json("agent", "list")
    assert isinstance(agents, list)
    by_name = {a["username"]: a for a in agents}
    assert by_name["root"]["role"] == "admin"
    assert by_name["lena"] == by_name["lena"] | {"role": "lead", "team": "Billing"}
    assert {"username", "role", "team"} <= set(by_name["alice"])


def test_whole_workflow_from_the_command_line(cli: CLI) -> None:
    number = create(cli, priority="High")
    assert number == 1001
    steps = [
        (["ticket", "pickup", str(number)], "New", "alice"),
        (["ticket", "schedule", str(number), "--at", "+2h"], "Scheduled", "alice"),
        (["ticket", "start", f"#{number}"], "InProgress", "alice"),
        (["ticket", "reply", str(number), "--body", "Looking into it"], "InProgress", "alice"),
        (["ticket", "comment", str(number), "--body", "@bob seen this?"], "InProgress", "alice"),
        (["ticket", "note", str(number), "--body", "router model X"], "InProgress", "alice"),
        (["ticket", "task", str(number), "--title", "call back", "--due", "+1d"], None, "alice"),
        (["ticket", "time", str(number), "--minutes", "25", "--billable"], None, "alice"),
        (["ticket", "close", str(number), "--resolution", "Firmware update"], "Closed", "alice"),
        (["ticket", "reopen", str(number)], "ReOpen", "alice"),
    ]
    for argv, status, owner in steps:
        data = cli.json(*argv, login="alice")
        assert isinstance(data, dict)
        if status:
            assert data["status"] == status, argv
        assert data["owner"] == owner
        # Only the answer to an action that mailed the customer says what became of it.
        mailed = ["not sent: no mail server configured"] if argv[1] == "reply" else None
        assert data.get("mailed") == mailed, argv
    show = cli.json("ticket", "show", str(number), login="alice")
    assert isinstance(show, dict)
    assert show["priority"] == "High"
    assert show["creator"] == "alice"
    actions = [e["action"] for e in show["history"]]
    assert actions[0] == "reopen" and actions[-1] == "create"
    assert {"action", "actor", "at"} <= set(show["history"][0])
    assert [m["kind"] for m in show["messages"]] == ["reply", "comment", "note"]
    assert show["time_total_minutes"] == 25
    assert show["resolution"]["text"] == "Firmware update"


def test_list_filters_by_view_and_stage(cli: CLI) -> None:
    first = create(cli)
    second = create(cli, subject="Invoice wrong")
    cli.json("ticket", "pickup", str(first), login="alice")
    unassigned = cli.json("ticket", "list", "--view", "unassigned", login="lena")
    assert [t["number"] for t in unassigned] == [second]  # type: ignore[union-attr]
    assigned = cli.json("ticket", "list", "--view", "assigned", "--stage", "new", login="alice")
    assert [t["number"] for t in assigned] == [first]  # type: ignore[union-attr]
    row = assigned[0]  # type: ignore[index]
    assert {"number", "subject", "status", "priority", "owner", "creator", "due"} <= set(row)
    assert row["creator"] == "alice" and row["owner"] == "alice" and row["status"] == "New"


def test_unknown_ticket(cli: CLI) -> None:
    code, out, err = cli("ticket", "start", "4242", login="alice")
    assert code == 1 and out == ""
    assert "No ticket #4242" in err


def test_unknown_agent(cli: CLI) -> None:
    number = create(cli)
    code, _, err = cli("ticket", "assign", str(number), "--to", "zed", login="lena")
    assert code == 1
    assert "No agent named 'zed'" in err
    assert cli.json("ticket", "show", str(number), login="lena")["owner"] is None  # type: ignore[index]


def test_bad_date_is_refused_with_an_example(cli: CLI) -> None:
    number = create(cli)
    cli.json("ticket", "pickup", str(number), login="alice")
    code, _, err = cli("ticket", "schedule", str(number), "--at", "soonish", login="alice")
    assert code == 1
    assert "Cannot read 'soonish'" in err and "+2h" in err and "YYYY-MM-DD HH:MM" in err
    assert cli.json("ticket", "show", str(number), login="alice")["status"] == "New"  # type: ignore[index]


def test_attachment_over_20_mb_is_refused(cli: CLI, tmp_path: Path) -> None:
    number = create(cli)
    big = tmp_path / "dump.bin"
    with big.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024 + 1)
    code, _, err = cli("ticket", "attach", str(number), str(big), login="alice")
    assert code == 1
    assert "dump.bin is 20.0 MB; attachments are at most 20 MB." in err
    show = cli.json("ticket", "show", str(number), login="alice")
    assert show["attachments"] == []  # type: ignore[index]
    small = tmp_path / "trace.log"
    small.write_text("line 1\nline 2\n")
    assert cli("ticket", "attach", str(number), str(small), login="alice")[0] == 0
    attachments = cli.json("ticket", "show", str(number), login="alice")["attachments"]  # type: ignore[index]
    assert attachments[0]["file_name"] == "trace.log" and attachments[0]["size"] == 14
    out_dir = tmp_path / "saved"
    out_dir.mkdir()
    code, _out, _ = cli(
        "ticket", "save", str(number), str(attachments[0]["id"]), str(out_dir), login="alice"
    )
    assert code == 0 and (out_dir / "trace.log").read_text() == "line 1\nline 2\n"


def test_refused_transition_changes_nothing(cli: CLI) -> None:
    number = create(cli)
    code, _, err = cli("ticket", "start", str(number), login="alice")
    assert code == 1
    assert err.strip() == f"Start needs a Scheduled ticket; #{number} is New."
    show = cli.json("ticket", "show", str(number), login="alice")
    assert show["status"] == "New" and len(show["history"]) == 1  # type: ignore[index,arg-type]


def test_every_action_refused_for_the_wrong_agent(cli: CLI) -> None:
    number = create(cli)
    cli.json("ticket", "pickup", str(number), login="alice")
    refusals = [
        (["ticket", "release", str(number)], "bob", "Release of #1001 is for its owner (alice)"),
        (["ticket", "assign", str(number), "--to", "carl"], "alice", "not in your team"),
        (["ticket", "assign", str(number), "--to", "bob"], "bob", "is for its owner (alice)"),
        (["ticket", "merge", str(number), "--into", "1001"], "alice", "cannot be merged into"),
        (["ticket", "delete", str(number), "--yes"], "lena", "Delete is for admins"),
        (["ticket", "reopen", str(number)], "alice", "Reopen needs a Closed ticket"),
        (["ticket", "pickup", str(number)], "carl", "No ticket #1001"),
    ]
    for argv, login, sentence in refusals:
        code, _, err = cli(*argv, login=login)
        assert code == 1, argv
        assert sentence in err, (argv, err)


def test_amc_gate_and_exception_from_the_command_line(cli: CLI) -> None:
    number = create(cli, account="Oldco", email="ops@oldco.example")
    cli.json("ticket", "pickup", str(number), login="alice")
    code, _, err = cli("ticket", "schedule", str(number), "--at", "+1h", login="alice")
    assert code == 1 and "needs an approved AMC exception" in err
    data = cli.json(
        "ticket",
        "approval",
        "request",
        str(number),
        "--approver",
        "lena",
        "--subject",
        "Serve Oldco during renewal",
        "--amc-exception",
        login="alice",
    )
    assert data["amc_state"] == "expired"  # type: ignore[index]
    approval_id = cli.json("ticket", "show", str(number), login="lena")["approvals"][0]["id"]  # type: ignore[index]
    code, _, err = cli("ticket", "approval", "approve", str(approval_id), login="bob")
    assert code == 1 and "not waiting on you" in err
    data = cli.json(
        "ticket", "approval", "approve", str(approval_id), "--comment", "ok", login="lena"
    )
    assert data["amc_state"] == "exception"  # type: ignore[index]
    assert cli.json("ticket", "schedule", str(number), "--at", "+1h", login="alice")["status"] == (  # type: ignore[index]
        "Scheduled"
    )


def test_edit_merge_delete(cli: CLI) -> None:
    first = create(cli)
    second = create(cli, subject="VPN drops (again)")
    edited = cli.json(
        "ticket", "edit", str(first), "--priority", "low", "--product", "VPN", login="alice"
    )
    assert edited["priority"] == "Low" and edited["product"] == "VPN"  # type: ignore[index]
    code, _, err = cli("ticket", "edit", str(first), "--priority", "urgent", login="alice")
    assert code == 1 and "Unknown priority 'urgent'; use High, Medium or Low." in err
    cli.json("ticket", "reply", str(second), "--body", "dup?", login="alice")
    target = cli.json("ticket", "merge", str(second), "--into", str(first), login="lena")
    assert target["number"] == first  # type: ignore[index]
    source = cli.json("ticket", "show", str(second), login="lena")
    assert source["status"] == "Closed" and source["merged_into"] == first  # type: ignore[index]
    assert [
        m["body"] for m in cli.json("ticket", "show", str(first), login="lena")["messages"]
    ] == [  # type: ignore[index]
        "dup?"
    ]
    code, _, err = cli("ticket", "delete", str(second), login="root")
    assert code == 1 and "confirm it (`--yes`)" in err
    assert cli("ticket", "delete", str(second), "--yes", login="root")[0] == 0
    code, _, err = cli("ticket", "show", str(second), login="root")
    assert code == 1 and f"No ticket #{second}" in err
    assert create(cli) == second + 1  # numbers are never reused


def test_every_verb_of_the_table_of_actions_is_a_ticket_command() -> None:
    """The ``ticket`` sub-commands are made from the table: each verb takes its options
    (here with a value each needs) and the ticket's NUMBER when the action names one."""
    from console.cli import build_parser
    from console.cli.ticket_actions import SPECIAL
    from console.data.actions import ACTIONS

    assert set(SPECIAL) == {a.id for a in ACTIONS if a.cli_special}
    parser = build_parser()
    samples = {"when": "+1h", "ticket": "#7", "positive": "3", "yes_no": "yes", "ids": "3,4"}
    for action in ACTIONS:
        for verb in action.verbs:
            argv = ["ticket", *verb.words, *(["#1042"] if action.numbered else [])]
            for option in action.options:
                value = option.choices[0] if option.choices else samples.get(option.kind, "x")
                if not option.flag.startswith("-"):
                    argv.append(value)
                elif option.required:
                    argv += [option.flag, value]
            args = parser.parse_args(argv)
            assert callable(args.run), verb.words
            assert getattr(args, "number", None) == (1042 if action.numbered else None)


def test_usage_errors_exit_2(cli: CLI) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["ticket", "pickup", "abc"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["ticket", "list", "--stage", "someday"])
    assert exc.value.code == 2


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_real_command_exit_codes(cli: CLI, db_url: str, tmp_path: Path) -> None:
    """The installed `agent-console` command, as a script would run it."""
    env = os.environ | {
        "AGENT_CONSOLE_DB": db_url,
        "AGENT_CONSOLE_CONFIG": str(tmp_path / "none.toml"),
    }
    command = [sys.executable, "-m", "console"]
    done = subprocess.run(
        [
            *command,
            "ticket",
            "create",
            "--subject",
            "Mail bounces",
            "--contact-name",
            "Kim",
            "--department",
            "Billing",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["number"] == 1001
    refused = subprocess.run(
        [*command, "ticket", "start", "1001"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert refused.returncode == 1
    assert refused.stderr.strip() == "Start needs a Scheduled ticket; #1001 is New."
    usage = subprocess.run(
        [*command, "ticket", "frobnicate"], capture_output=True, text=True, env=env, check=False
    )
    assert usage.returncode == 2
