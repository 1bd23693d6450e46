"""The command line as a script and a person meet it: ``--version``, a closed pipe,
column headers, refusals as JSON, each sub-command's own usage, ``--json`` everywhere."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from console.config import demo_db_path
from tests.test_cli import CLI, cli, create

__all__ = ["cli"]  # the fixture, shared with the other command-line tests

COMMAND = [sys.executable, "-m", "console"]
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def script_env(db_url: str, tmp_path: Path, login: str = "root") -> dict[str, str]:
    return os.environ | {
        "AGENT_CONSOLE_DB": db_url,
        "AGENT_CONSOLE_CONFIG": str(tmp_path / "none.toml"),
        "LOGNAME": login,
    }


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == "agent-console 0.1.0"


@sqlite_only
def test_a_reader_that_goes_away_ends_the_command_quietly(
    cli: CLI, db_url: str, tmp_path: Path
) -> None:
    for subject in ("Printer on fire", "VPN drops"):
        create(cli, subject=subject)
    env = script_env(db_url, tmp_path)
    for argv in (
        ["keys"],
        ["keys", "--json"],
        ["ticket", "list"],
        ["ticket", "list", "--json"],
        ["agent", "list", "--json"],
    ):
        # A pipe whose reader is already gone: the first write fails, as into `head`
        # once it has read its lines.
        reader, writer = os.pipe()
        os.close(reader)
        try:
            done = subprocess.run(
                [*COMMAND, *argv], stdout=writer, stderr=subprocess.PIPE, env=env, check=False
            )
        finally:
            os.close(writer)
        assert done.returncode in (0, 141), (argv, done.stderr)
        assert done.stderr == b"", (argv, done.stderr)  # no traceback, no "Exception ignored"
    # And through the shell into `head`: the first lines, then the end, without a word.
    shell = subprocess.run(
        " ".join(COMMAND) + " keys | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert shell.returncode == 0 and shell.stderr == ""
    assert shell.stdout.startswith("Everywhere")


def test_ticket_list_and_agent_list_have_column_headers(cli: CLI) -> None:
    number = create(cli, subject="Printer on fire")
    code, out, err = cli("ticket", "list", login="alice")
    assert code == 0, err
    header, row = out.splitlines()[:2]
    assert header.split() == ["NUMBER", "PRIORITY", "STATUS", "OWNER", "SUBJECT"]
    assert row.split()[:4] == [f"#{number}", "Medium", "New", "-"]
    assert row.index("Printer on fire") == header.index("SUBJECT")  # the columns line up
    code, out, err = cli("agent", "list")
    lines = out.splitlines()
    assert lines[0].split() == ["AGENT", "ROLE", "TEAM", "OPEN", "DEPARTMENTS"]
    lena = next(line for line in lines if line.startswith("lena "))
    assert lena.split() == ["lena", "lead", "Billing", "0", "Billing"]
    assert lena.index("Billing") == lines[0].index("TEAM")


def test_refusals_with_json_are_json_on_stderr(cli: CLI) -> None:
    code, out, err = cli("ticket", "show", "4242", "--json", login="alice")
    assert (code, out) == (1, "")
    assert "No ticket #4242" in json.loads(err)["error"]
    number = create(cli)
    code, out, err = cli("ticket", "start", str(number), "--json", login="alice")
    assert (code, out) == (1, "")
    assert json.loads(err) == {"error": f"Start needs a Scheduled ticket; #{number} is New."}
    code, out, err = cli("ticket", "list", "--filter", "prio:urgent", "--json", login="alice")
    assert (code, out) == (1, "")
    assert "urgent" in json.loads(err)["error"]
    code, out, err = cli("ticket", "start", str(number), login="alice")
    assert err.strip() == f"Start needs a Scheduled ticket; #{number} is New."  # text without


def test_a_bad_option_shows_the_sub_commands_own_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv, usage in (
        (["ticket", "list", "--bogus"], "usage: agent-console ticket list"),
        (["agent", "add", "kim", "--colour", "red"], "usage: agent-console agent add"),
        (
            [
                "ticket",
                "approval",
                "request",
                "1",
                "--approver",
                "lena",
                "--subject",
                "s",
                "--bogus",
            ],
            "usage: agent-console ticket approval request",
        ),
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith(usage), err
        assert "unrecognized arguments: --" in err
        assert f"(see `{usage.removeprefix('usage: ')} --help`)" in err


def test_account_department_and_filters_answer_json(
    cli: CLI, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.json(
        "account", "add", "Initech", "--coordinator", "alice", "--amc-expires", "2030-06-30"
    ) == {
        "name": "Initech",
        "coordinator": "alice",
        "amc_expires": "2030-06-30",
    }
    assert cli.json("department", "add", "Sales", "--email", "sales@example.com") == {
        "name": "Sales",
        "email": "sales@example.com",
    }
    code, _, err = cli(
        "ticket",
        "create",
        "--subject",
        "x",
        "--contact-name",
        "K",
        "--account",
        "Initech",
        "--department",
        "Sales",
        login="alice",
    )
    assert code == 0, err  # both were really added
    assert main(["filters", "--json"]) == 0  # (on no database: it takes no --db)
    language = json.loads(capsys.readouterr().out)
    assert isinstance(language, dict)
    assert any(term["syntax"].startswith("status:") for term in language["terms"])
    assert all(set(example) == {"filter", "meaning"} for example in language["examples"])


def test_the_demo_says_which_database_to_name_afterwards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("AGENT_CONSOLE_DB", raising=False)
    path = tmp_path / "my demo.db"
    assert main(["demo", "--db", str(path), "--tickets", "30", "--no-launch"]) == 0
    said = capsys.readouterr().out
    command = next(line.strip() for line in said.splitlines() if "agent-console --db" in line)
    argv = shlex.split(command)[1:]  # as a person would paste it
    assert argv == ["--db", str(path), "ticket", "list"]
    assert main([*argv, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) > 0  # the demo's tickets, not nothing
    # Without --db the demo is in the data folder, and `locate db --demo` says where.
    assert main(["locate", "db", "--demo"]) == 0
    assert capsys.readouterr().out.strip() == str(demo_db_path())


def test_the_demo_refuses_an_unknown_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(tmp_path / "none.toml"))
    path = str(tmp_path / "demo.db")
    argv = ["demo", "--db", path, "--tickets", "30", "--no-launch"]
    assert main([*argv, "--as", "nobody"]) == 1
    err = capsys.readouterr().err
    assert "No agent named 'nobody'" in err
    assert main([*argv, "--as", "nobody"]) == 1  # the demo built, and still refused
    assert main(["agent", "list", "--db", path, "--json"]) == 0
    someone = json.loads(capsys.readouterr().out)[0]["username"]
    assert main([*argv, "--as", someone]) == 0


@sqlite_only
def test_text_comes_from_a_file_or_standard_input(cli: CLI, db_url: str, tmp_path: Path) -> None:
    number = create(cli)
    cli.json("ticket", "pickup", str(number), login="alice")
    body = "".join(f"line {i}: the router log says café ✓\n" for i in range(80_000))
    assert len(body.encode()) > 3_000_000  # far past what a command line may carry
    big = tmp_path / "log.txt"
    big.write_text(body, encoding="utf-8")
    env = script_env(db_url, tmp_path, "alice")
    done = subprocess.run(
        [*COMMAND, "ticket", "reply", str(number), "--body-file", str(big), "--json"],
        capture_output=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    note = subprocess.run(
        [*COMMAND, "ticket", "note", str(number), "--body-file", "-", "--json"],
        input=("from stdin\n" + body).encode(),
        capture_output=True,
        env=env,
        check=False,
    )
    assert note.returncode == 0, note.stderr
    shown = cli.json("ticket", "show", str(number), login="alice")
    assert isinstance(shown, dict)
    bodies = [m["body"] for m in shown["messages"]]
    assert body in bodies and "from stdin\n" + body in bodies

    # Every option that takes writing has its -file twin; names and choices do not.
    title = tmp_path / "title.txt"
    title.write_text("Call back about the router", encoding="utf-8")
    cli.json("ticket", "task", str(number), "--title-file", str(title), login="alice")
    code, _, err = cli("ticket", "close", str(number), "--resolution-file", str(tmp_path / "none"))
    assert code == 1 and "Cannot read" in err and "No such file" in err
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9")
    code, _, err = cli(
        "ticket", "comment", str(number), "--body-file", str(tmp_path / "bad.txt"), login="alice"
    )
    assert code == 1 and "is not UTF-8 text" in err
    with pytest.raises(SystemExit) as exc:
        main(["ticket", "reply", str(number), "--body", "x", "--body-file", str(big)])
    assert exc.value.code == 2  # one or the other
    created = cli.json(
        "ticket", "create", "--subject-file", str(title), "--contact-name", "Kim",
        "--department", "Billing", "--description-file", str(big), login="alice",
    )  # fmt: skip
    assert isinstance(created, dict) and created["subject"] == "Call back about the router"
    assert created["description"] == body
