"""What the command line prints: clean text on stdout and stderr, and the JSON scripts read."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from console.cli.parser import EXIT_REFUSED
from console.safe import clean, json_text

if TYPE_CHECKING:
    from console.data.records import TicketRecord


def out(text: str) -> None:
    """A line of the answer, on stdout."""
    # Ticket text comes from customers' email: no escape sequence reaches the terminal.
    print(clean(text))


def err(text: str) -> None:
    """A sentence for the person (a refusal, a warning, progress), on stderr."""
    print(clean(text), file=sys.stderr)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Rows under column headers, each column as wide as its widest cell (the last one
    left as it is): what ``ticket list`` and ``agent list`` print."""
    cells = [[clean(str(cell), single_line=True) for cell in row] for row in rows]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]
    for row in [list(headers), *cells]:
        padded = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=False)]
        print(" ".join([*padded, row[-1]]).rstrip())


def refuse(text: str, *, as_json: bool = False) -> int:
    """Say why nothing was done, on stderr (as ``{"error": ...}`` for ``--json``), and
    return the exit code for a refusal."""
    if as_json:
        print(json_text({"error": text}), file=sys.stderr)
    else:
        err(text)
    return EXIT_REFUSED


def print_json(value: Any) -> None:
    """Any record, list or dict as indented JSON."""
    from console.data.records import to_jsonable

    print(json_text(to_jsonable(value)))


def print_listing(
    records: Sequence[Any],
    *,
    as_json: bool,
    empty: str,
    line: Callable[[Any], str],
) -> int:
    """A listing command's answer: the records' ``as_json()`` as one JSON list, or a
    line each (``empty`` when there are none); exit 0."""
    if as_json:
        print_json([r.as_json() for r in records])
        return 0
    if not records:
        out(empty)
    for record in records:
        out(line(record))
    return 0


def ticket_summary(record: TicketRecord) -> str:
    """One line about a ticket: number, subject, status, priority, owner."""
    owner = record.owner or "unassigned"
    return f"#{record.number} {record.subject!r}: {record.status}, {record.priority}, {owner}"


def print_ticket(record: TicketRecord, *, as_json: bool) -> None:
    """The ticket an action left: its summary line, or all of it as JSON."""
    if as_json:
        print_json(ticket_json(record))
        return
    out(ticket_summary(record))
    from console.data.records import mail_fate

    for mailed in record.mailed:
        out(mail_fate(mailed).capitalize() + ".")
    if not record.visible:
        from console.data.records import out_of_queues

        out(out_of_queues(record.number).capitalize() + ".")


def ticket_json(record: TicketRecord) -> dict[str, Any]:
    """A ticket for scripts (without its database id)."""
    from console.data.records import to_jsonable

    data: dict[str, Any] = to_jsonable(record)
    data.pop("id", None)
    if not data.get("mailed"):
        data.pop("mailed", None)  # only in the answer to an action that mailed
    return data


def row_json(row: Any) -> dict[str, Any]:
    """A row of a queue view for scripts."""
    from console.data.records import to_jsonable

    return {
        "number": row.number,
        "subject": row.subject,
        "status": row.status,
        "priority": row.priority,
        "owner": row.owner,
        "creator": row.creator,
        "contact": row.contact,
        "account": row.account,
        "due": to_jsonable(row.due_at),
        "updated": to_jsonable(row.updated_at),
        "version": row.version,
    }


def message_json(message: Any) -> dict[str, Any]:
    """A message of the conversation for scripts: its mail headers as ``from``, ``to``,
    ``cc``, and ``threaded_by`` (the rule, or null) and ``automatic``."""
    from console.data.records import to_jsonable

    data: dict[str, Any] = to_jsonable(message)
    data["from"] = data.pop("sender")
    return data


def detail_json(detail: Any) -> dict[str, Any]:
    """A ticket with every tab for scripts."""
    from console.data.records import to_jsonable

    data = ticket_json(detail.ticket)
    data["messages"] = [message_json(m) for m in detail.messages]
    data["history"] = to_jsonable(detail.history)
    data["approvals"] = to_jsonable(detail.approvals)
    data["resolution"] = to_jsonable(detail.resolution)
    data["activities"] = to_jsonable(detail.activities)
    data["time_entries"] = to_jsonable(detail.time_entries)
    data["time_total_minutes"] = detail.total_minutes
    data["time_billable_minutes"] = detail.billable_minutes
    data["attachments"] = to_jsonable(detail.attachments)
    data["actions"] = detail.actions
    return data
