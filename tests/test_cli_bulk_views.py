"""``ticket bulk``, ``ticket list --counts`` and ``views``: the console's bulk action, stage
counts and saved views (one's own and the team's) from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import CLI, cli, create

__all__ = ["cli"]  # the fixture, shared with the other command-line tests


def show(cli: CLI, number: int) -> dict[str, object]:
    data = cli.json("ticket", "show", str(number), login="lena")
    assert isinstance(data, dict)
    return data


def test_bulk_previews_then_reports_ticket_by_ticket(cli: CLI) -> None:
    first = create(cli, subject="Printer jams on tray 2")
    second = create(cli, subject="Printer offline")
    taken = create(cli, subject="Printer toner")
    other = create(cli, subject="VPN drops")
    cli.json("ticket", "pickup", str(taken), login="bob")

    code, out, err = cli(
        "ticket", "bulk", "pickup", "--filter", "printer", "--dry-run", login="alice"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Pick up: 3 tickets found by 'printer'."
    assert "Will change (2):" in lines and "Will be refused (1):" in lines
    changes = lines[lines.index("Will change (2):") + 1 : lines.index("Will change (2):") + 3]
    assert sorted(line.split()[0] for line in changes) == [f"#{first}", f"#{second}"]
    assert all(line.endswith("owner — → alice") for line in changes)
    refused = lines[lines.index("Will be refused (1):") + 1]
    assert refused.split()[0] == f"#{taken}" and "Printer toner" in refused
    assert "unassigned" in refused  # why: bob has it
    assert show(cli, first)["owner"] is None  # a dry run changes nothing

    code, out, err = cli("ticket", "bulk", "pickup", "--filter", "printer", login="alice")
    assert code == 0, err
    report = [line.split() for line in out.splitlines() if line.startswith("  ✓")]
    assert sorted(r[1] for r in report) == [f"#{first}", f"#{second}"]
    assert err.strip().endswith("Pick up: 2 done.")
    assert [show(cli, n)["owner"] for n in (first, second, taken, other)] == [
        "alice", "alice", "bob", None,
    ]  # fmt: skip

    # As JSON; and nothing left to change is a refusal (exit 1), saying so.
    code, out, err = cli(
        "ticket",
        "bulk",
        "close",
        "--filter",
        "printer",
        "--resolution",
        "Fixed",
        "--json",
        login="alice",
    )
    data = json.loads(out)
    assert code == 0, err
    assert sorted(c["number"] for c in data["changes"]) == [first, second]
    assert data["refused"][0]["number"] == taken and data["refused"][0]["reason"]
    assert [r["done"] for r in data["report"]] == [True, True]
    assert data["summary"] == "Close: 2 done."
    assert show(cli, first)["status"] == "Closed"
    code, out, err = cli("ticket", "bulk", "start", "--filter", "printer", login="alice")
    assert code == 1 and "Nothing was changed." in err


def test_bulk_refuses_a_bad_filter_and_what_an_action_needs(cli: CLI) -> None:
    create(cli)
    code, _, err = cli("ticket", "bulk", "close", "--filter", "prio:urgent", login="alice")
    assert code == 1 and "urgent" in err
    code, _, err = cli("ticket", "bulk", "assign", "--filter", "vpn", login="lena")
    assert code == 1 and "Assign needs the agent" in err


def test_list_counts_are_the_stage_counts_of_the_view(cli: CLI) -> None:
    numbers = [create(cli, subject=f"Question {i}") for i in range(3)]
    cli.json("ticket", "pickup", str(numbers[0]), login="alice")
    cli.json("ticket", "close", str(numbers[0]), login="alice")
    counts = cli.json("ticket", "list", "--counts", login="lena")
    assert counts == {"New": 2, "Scheduled": 0, "InProgress": 0, "Closed": 1, "ReOpen": 0, "All": 3}
    mine = cli.json(
        "ticket", "list", "--counts", "--view", "my", "--filter", "question", login="alice"
    )
    assert isinstance(mine, dict) and mine["Closed"] == 1
    code, out, _ = cli("ticket", "list", "--counts", login="lena")
    assert code == 0
    assert out.splitlines()[0].split() == ["STAGE", "TICKETS"]
    assert out.splitlines()[1].split() == ["New", "2"]


def test_views_of_ones_own_and_of_the_team(cli: CLI) -> None:
    code, _, err = cli(
        "views", "add", "Hot", "--filter", "prio:high", "--sort", "due", login="alice"
    )
    assert code == 0, err
    shared = cli.json(
        "views", "add", "Billing new", "--filter", "status:new", "--team", login="alice"
    )
    assert shared == {
        "name": "Billing new", "filter": "status:new", "sort": "updated", "team": "Billing"
    }  # fmt: skip
    listed = cli.json("views", "list", login="alice")
    assert [(v["name"], v["team"]) for v in listed] == [("Hot", None), ("Billing new", "Billing")]  # type: ignore[union-attr]
    # The team sees the team view; a teammate may not remove what alice shared; a lead may.
    assert [v["name"] for v in cli.json("views", "list", login="bob")] == ["Hot", "Billing new"]  # type: ignore[union-attr]
    code, _, err = cli("views", "remove", "Billing new", "--team", login="bob")
    assert code == 1 and "lead or admin" in err
    code, _, err = cli("views", "add", "Billing new", "--filter", "prio:low", "--team", login="bob")
    assert code == 1 and "only whoever shared it" in err
    assert cli("views", "remove", "Billing new", "--team", login="lena")[0] == 0
    assert cli("views", "remove", "Hot", login="alice")[0] == 0
    assert cli.json("views", "list", login="alice") == []
    code, _, err = cli("views", "remove", "Hot", login="alice")
    assert code == 1 and "no view named 'Hot'" in err
    code, _, err = cli("views", "add", "Bad", "--filter", "owner:zed", login="alice")
    assert code == 1 and "zed" in err
    code, _, err = cli("views", "add", "All Tickets", "--filter", "prio:high", login="alice")
    assert code == 1 and "built-in" in err


def test_removing_a_view_leaves_the_rest_of_the_config_file(cli: CLI, tmp_path: Path) -> None:
    config = tmp_path / "no-config.toml"  # the file the fixture names
    config.write_text(
        'theme = "nord"\n\n[[views]]\nname = "A"\nfilter = "prio:high"\n\n'
        '# the second view\n[[views]]\nname = "B"\nfilter = "status:new"\nsort = "due"\n\n'
        '[keymap]\n"ticket.pickup" = "P"\n',
        encoding="utf-8",
    )
    assert cli("views", "remove", "A", login="alice")[0] == 0
    assert config.read_text(encoding="utf-8") == (
        'theme = "nord"\n\n# the second view\n[[views]]\nname = "B"\nfilter = "status:new"\n'
        'sort = "due"\n\n[keymap]\n"ticket.pickup" = "P"\n'
    )
    assert [v["name"] for v in cli.json("views", "list", login="alice")] == ["B"]  # type: ignore[index]
