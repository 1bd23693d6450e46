"""``agent-console report`` and ``account edit``: the figures for scripts, checked
against what ``ticket list --json`` and ``ticket show --json`` say."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.test_cli import CLI, cli, create

__all__ = ["cli"]  # the fixture, used by name


def _work(cli: CLI) -> dict[str, int]:
    """Tickets picked up, answered, timed and closed today, by alice and bob."""
    n = {
        "a1": create(cli, subject="One"),
        "a2": create(cli, subject="Two"),
        "b1": create(cli, "bob", subject="Three"),
        "old": create(cli, subject="Old contract", account="Oldco"),
        "free": create(cli, subject="Nobody's"),
    }
    for key, who in (("a1", "alice"), ("a2", "alice"), ("b1", "bob")):
        assert cli("ticket", "pickup", str(n[key]), login=who)[0] == 0
    assert cli("ticket", "reply", str(n["a1"]), "--body", "Hi", login="alice")[0] == 0
    assert (
        cli("ticket", "time", str(n["a1"]), "--minutes", "45", "--billable", login="alice")[0] == 0
    )
    assert cli("ticket", "time", str(n["a2"]), "--minutes", "15", login="alice")[0] == 0
    assert cli("ticket", "time", str(n["b1"]), "--minutes", "30", "--billable", login="bob")[0] == 0
    assert cli("ticket", "close", str(n["a1"]), login="alice")[0] == 0
    assert cli("ticket", "close", str(n["b1"]), login="bob")[0] == 0
    return n


def _report(cli: CLI, *argv: str, login: str = "lena") -> object:
    code, out, err = cli("report", *argv, "--format", "json", login=login)
    assert code == 0, err
    return json.loads(out)


def test_report_agents_agrees_with_the_ticket_list(cli: CLI) -> None:
    n = _work(cli)
    agents = _report(cli, "agents")
    assert isinstance(agents, list)
    by_name = {a["agent"]: a for a in agents}
    assert set(by_name) == {"lena", "alice", "bob"}  # lena's team, not carl
    tickets = cli.json("ticket", "list", "--view", "all", login="lena")
    assert isinstance(tickets, list)
    open_by_owner = Counter(t["owner"] for t in tickets if t["status"] != "Closed")
    closed_by_owner = Counter(t["owner"] for t in tickets if t["status"] == "Closed")
    for name, figures in by_name.items():
        assert {
            "agent",
            "open",
            "closed",
            "first_response_median_s",
            "time_logged_min",
            "availability",
        } <= set(figures)
        assert figures["open"] == open_by_owner.get(name, 0)
        assert figures["closed"] == closed_by_owner.get(name, 0)
        assert figures["availability"] == "available"
    for name in ("alice", "bob"):
        logged = 0
        for t in tickets:
            if t["owner"] == name:
                shown = cli.json("ticket", "show", str(t["number"]), login="lena")
                assert isinstance(shown, dict)
                logged += shown["time_total_minutes"]
        assert by_name[name]["time_logged_min"] == logged
    assert by_name["alice"]["first_response_median_s"] is not None
    assert by_name["bob"]["first_response_median_s"] is None  # bob never replied
    assert n["free"]


def test_report_formats_and_bad_input(cli: CLI) -> None:
    _work(cli)
    code, out, err = cli("report", "backlog", "--format", "csv", login="lena")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["stage"] for r in rows] == ["New", "Scheduled", "InProgress", "ReOpen"]
    assert list(rows[0]) == ["stage", "age_0_1d", "age_1_3d", "age_3_7d", "age_over_7d", "total"]
    tickets = cli.json("ticket", "list", "--view", "all", login="lena")
    assert isinstance(tickets, list)
    stages = Counter(t["status"] for t in tickets)
    assert {r["stage"]: int(r["total"]) for r in rows} == {
        s: stages.get(s, 0) for s in ("New", "Scheduled", "InProgress", "ReOpen")
    }
    code, out, _ = cli("report", "time", login="lena")
    assert code == 0
    assert out.splitlines()[0].split() == [
        "agent",
        "billable_min",
        "non_billable_min",
        "time_logged_min",
    ]
    code, _, err = cli("report", "sla", "--from", "yesterday", login="lena")
    assert code == 1 and "Cannot read 'yesterday' as a date" in err
    code, _, err = cli("report", "sla", "--from", "2026-03-05", "--to", "2026-03-01", login="lena")
    assert code == 1 and "before it starts" in err
    code, _, err = cli("report", "agents", "--team", "Nope", login="lena")
    assert code == 1 and "No team 'Nope'" in err
    with pytest.raises(SystemExit) as exc:
        cli("report", "weekly", login="lena")
    assert exc.value.code == 2


def test_report_billing_with_an_accounts_own_rates(cli: CLI, tmp_path: object) -> None:
    _work(cli)
    code, _, err = cli("account", "edit", "Acme Ltd", "--hourly-rate", "90", "--ticket-price", "10")
    assert code == 0, err
    code, _, err = cli("account", "edit", "Acme Ltd", "--hourly-rate", "ten")
    assert code == 1 and "'ten' is not an hourly rate" in err
    code, _, err = cli("account", "edit", "Acme Ltd", "--ticket-price", "5", login="lena")
    assert code == 1 and "for admins" in err
    accounts = cli.json("account", "list")
    assert isinstance(accounts, list)
    assert accounts[0] | {"hourly_rate": "90.00", "ticket_price": "10.00"} == accounts[0]
    code, out, err = cli("report", "billing", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    # Acme: two tickets closed (10.00 each) and 75 billable minutes at 90.00 an hour.
    assert rows == [
        {
            "account": "Acme Ltd",
            "tickets": "2",
            "billable_min": "75",
            "hourly_rate": "90.00",
            "ticket_price": "10.00",
            "amount": "132.50",
        }
    ]


def test_report_sla_lists_each_breach_with_its_number(cli: CLI) -> None:
    late = create(cli, subject="Late", priority="High")
    past = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    code, _, err = cli("ticket", "edit", str(late), "--due", past, login="alice")
    assert code == 0, err
    code, _, err = cli("ticket", "edit", str(late), "--priority", "Low", login="alice")
    assert code == 0, err
    breaches = _report(cli, "sla")
    assert isinstance(breaches, list)
    assert [(b["number"], b["priority"]) for b in breaches] == [(late, "High")]
    code, out, _ = cli("report", "sla", "--format", "table", login="lena")
    assert out.splitlines()[0].split()[:3] == ["number", "priority", "due"]
    assert str(late) in out


def test_agent_status_sets_the_availability_the_reports_show(cli: CLI) -> None:
    code, out, err = cli("agent", "status", "away", login="alice")
    assert code == 0 and "alice is away" in out, err
    code, _, err = cli("agent", "status", "off", "--agent", "bob", login="alice")
    assert code == 1 and "for leads and admins" in err
    assert cli("agent", "status", "off", "--agent", "bob", login="lena")[0] == 0
    by_name = {a["agent"]: a["availability"] for a in _report(cli, "agents")}  # type: ignore[union-attr]
    assert by_name == {"lena": "available", "alice": "away", "bob": "off"}


def test_the_desks_billing_rates_come_from_the_config_file(cli: CLI, tmp_path: Path) -> None:
    _work(cli)
    (tmp_path / "no-config.toml").write_text(
        "[billing]\nhourly_rate = 60\nticket_price = 2.5\nper_call = 3\n", encoding="utf-8"
    )
    code, out, err = cli("report", "billing", "--format", "json")
    assert code == 0
    assert "[billing] per_call is not a rate" in err
    assert json.loads(out) == [
        {
            "account": "Acme Ltd",
            "tickets": 2,
            "billable_min": 75,
            "hourly_rate": "60.00",
            "ticket_price": "2.50",
            "amount": "80.00",
        }
    ]


def test_renewing_a_contract_lets_its_open_tickets_through(cli: CLI) -> None:
    number = create(cli, subject="Old contract", account="Oldco")
    shown = cli.json("ticket", "show", str(number))
    assert isinstance(shown, dict) and shown["amc_state"] == "expired"
    code, _, err = cli("account", "edit", "Oldco", "--amc-expires", "2099-12-31")
    assert code == 0, err
    shown = cli.json("ticket", "show", str(number))
    assert isinstance(shown, dict) and shown["amc_state"] == "ok"
    assert shown["history"][0]["action"] == "amc"
    assert shown["history"][0]["new"] == "renewed (contract of Oldco until 2099-12-31)"
    assert cli("audit", "verify")[0] == 0


def test_deactivated_agents_keep_their_history_and_cannot_act(cli: CLI) -> None:
    number = create(cli, subject="Before leaving")
    assert cli("ticket", "pickup", str(number), login="bob")[0] == 0
    code, out, err = cli("agent", "deactivate", "bob")
    assert code == 0 and "bob is deactivated" in out, err
    code, _, err = cli("ticket", "comment", str(number), "--body", "hi", login="bob")
    assert code == 1 and "bob is no longer an active agent" in err
    shown = cli.json("ticket", "show", str(number))
    assert isinstance(shown, dict) and shown["owner"] == "bob"
    assert cli("agent", "deactivate", "bob", login="lena")[0] == 1  # admins only
    code, out, _ = cli("agent", "list")
    assert out.splitlines()[0].split()[:4] == ["AGENT", "ROLE", "TEAM", "OPEN"]


def test_a_department_is_removed_with_its_tickets_moved(cli: CLI) -> None:
    number = create(cli, subject="Moving")
    departments = cli.json("department", "list")
    assert isinstance(departments, list)
    billing = next(d for d in departments if d["name"] == "Billing")
    assert billing["open_tickets"] == 1 and "alice" in billing["agents"]
    code, out, err = cli("department", "remove", "Billing", "--move-to", "Network")
    assert code == 0 and "1 tickets moved to Network" in out, err
    shown = cli.json("ticket", "show", str(number))
    assert isinstance(shown, dict) and shown["department"] == "Network"
    assert (shown["history"][0]["old"], shown["history"][0]["new"]) == ("Billing", "Network")
    code, _, err = cli("department", "remove", "Network", "--move-to", "Network")
    assert code == 1 and "last department" in err
    assert cli("audit", "verify")[0] == 0


def test_agents_and_contacts_are_edited(cli: CLI) -> None:
    code, out, err = cli(
        "agent", "edit", "carl", "--team", "Billing", "--department", "Billing", "--role", "lead"
    )
    assert code == 0 and "carl: lead, team Billing, departments Billing." in out, err
    with pytest.raises(SystemExit):
        cli("agent", "edit", "carl", "--role", "boss")
    number = create(cli, subject="Contact me")
    contacts = cli.json("contact", "list")
    assert isinstance(contacts, list)
    assert contacts == [
        {
            "name": "Pat Doe",
            "email": "pat@acme.example",
            "phone": None,
            "account": "Acme Ltd",
            "tickets": 1,
        }
    ]
    edited = cli.json("contact", "edit", "pat@acme.example", "--phone", "+1 555 0100")
    assert isinstance(edited, dict) and edited["phone"] == "+1 555 0100"
    code, _, err = cli("contact", "edit", "Pat Doe", "--email", "not-an-address")
    assert code == 1 and "is not an email address" in err
    code, _, err = cli("contact", "edit", "nobody@x.example", "--phone", "1")
    assert code == 1 and "No contact" in err
    shown = cli.json("ticket", "show", str(number))
    assert isinstance(shown, dict) and shown["contact"] == "Pat Doe"


def test_a_department_hands_out_its_new_tickets(cli: CLI) -> None:
    code, _, err = cli("department", "edit", "Billing", "--auto-assign", "round-robin")
    assert code == 0, err
    owners = [
        cli.json("ticket", "show", str(create(cli, subject=f"Turn {i}")))["owner"]  # type: ignore[index]
        for i in range(4)
    ]
    assert owners == ["alice", "bob", "lena", "alice"]
    shown = cli.json("ticket", "show", str(create(cli, subject="Who?")))
    assert isinstance(shown, dict)
    assert (shown["history"][0]["actor"], shown["history"][0]["action"]) == ("system", "assign")
    told = cli.json("inbox", "--json", login="bob")
    assert isinstance(told, list)
    assert [(e["kind"], e["from"]) for e in told if e["ticket"] == shown["number"]] == [
        ("assigned", "system")
    ]
    assert cli("agent", "status", "away", login="alice")[0] == 0
    assert cli("agent", "status", "off", login="bob")[0] == 0
    assert cli("department", "edit", "Billing", "--auto-assign", "least-loaded")[0] == 0
    new = cli.json("ticket", "show", str(create(cli, subject="Only lena")))
    assert isinstance(new, dict) and new["owner"] == "lena"
    departments = cli.json("department", "list")
    assert isinstance(departments, list)
    assert next(d for d in departments if d["name"] == "Billing")["auto_assign"] == "least-loaded"
    assert cli("department", "edit", "Billing", "--auto-assign", "off")[0] == 0
    off = cli.json("ticket", "show", str(create(cli, subject="Nobody")))
    assert isinstance(off, dict) and off["owner"] is None
    assert cli("audit", "verify")[0] == 0


def test_a_tickets_contact_and_account_are_edited_with_history(cli: CLI) -> None:
    number = create(cli, subject="Wrong customer")
    other = create(cli, subject="Other", email="sam@oldco.example", account="Oldco")
    assert other
    edited = cli.json(
        "ticket",
        "edit",
        str(number),
        "--contact",
        "SAM@oldco.example",
        "--account",
        "Oldco",
        login="alice",
    )
    assert isinstance(edited, dict)
    assert (edited["contact_email"], edited["account"]) == ("sam@oldco.example", "Oldco")
    shown = cli.json("ticket", "show", str(number))
    assert isinstance(shown, dict)
    changes = {(e["field"], e["old"], e["new"]) for e in shown["history"] if e["action"] == "edit"}
    assert ("account", "Acme Ltd", "Oldco") in changes
    code, _, err = cli("ticket", "edit", str(number), "--contact", "nobody@x.example")
    assert code == 1 and "No contact 'nobody@x.example'" in err
    cleared = cli.json("ticket", "edit", str(number), "--account", "")
    assert isinstance(cleared, dict) and cleared["account"] is None
