"""`agent-console ticket list --filter`: the console's filter language on the command line,
on SQLite and PostgreSQL, with the same error pointing at the token."""

from __future__ import annotations

from tests.test_cli import CLI, cli, create

__all__ = ["cli"]  # the fixture, shared with the other command-line tests


def numbers(cli: CLI, *argv: str, login: str = "alice") -> list[int]:
    rows = cli.json("ticket", "list", *argv, login=login)
    assert isinstance(rows, list)
    return sorted(row["number"] for row in rows)


def test_filter_narrows_the_list(cli: CLI) -> None:
    printer = create(cli, subject="Printer jams", priority="High")
    vpn = create(cli, subject="VPN drops", description="The tunnel to Paris")
    closed = create(cli, subject="Old printer question")
    assert cli("ticket", "close", str(closed), login="alice")[0] == 0
    assert cli("ticket", "pickup", str(vpn), login="bob")[0] == 0

    assert numbers(cli, "--filter", "printer") == [printer, closed]
    assert numbers(cli, "--filter", "printer -status:closed") == [printer]
    assert numbers(cli, "--filter", "prio:high") == [printer]
    assert numbers(cli, "--filter", "owner:bob") == [vpn]
    assert numbers(cli, "--filter", "owner:none status:open") == [printer]
    assert numbers(cli, "--filter", "paris") == [vpn]  # the description's words
    assert numbers(cli, "--filter", f"#{vpn}") == [vpn]
    assert numbers(cli, "--filter", "printer", login="carl") == []  # never past the scope


def test_a_bad_filter_points_at_the_token(cli: CLI) -> None:
    code, out, err = cli("ticket", "list", "--filter", "prio:high stat:new", login="alice")
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "prio:high stat:new",
        "          ^^^^",
        "Unknown field 'stat' — did you mean 'status'?",
    ]
