"""Full-text search over subject, description and conversation, kept in step with every
change by the database itself (FTS5 on SQLite, GIN text-search indexes on PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import and_, select

from console.data.models import Ticket
from console.data.search import term_clause, tokens
from tests.conftest import Desk


async def found(desk: Desk, *terms: str) -> set[int]:
    async with desk.db.read() as session:
        rows = await session.execute(
            select(Ticket.number).where(
                and_(*(term_clause(t, sqlite=desk.db.is_sqlite) for t in terms))
            )
        )
        return {row[0] for row in rows}


@pytest.fixture
async def tickets(desk: Desk) -> dict[str, int]:
    t = {
        "printer": await desk.ticket(subject="Printer jams on tray 2"),
        "vpn": await desk.ticket(subject="VPN drops", description="The tunnel to Paris drops"),
        "invoice": await desk.ticket(subject="Invoice question"),
        "quiet": await desk.ticket(subject="Nothing special"),
    }
    alice = desk.service("alice")
    await alice.reply(t["invoice"], "The duplicate charge was refunded to the Visa card.")
    await alice.customer_message(t["quiet"], "Our printer in Lyon is smoking!")
    return t


async def test_words_are_found_in_subject_description_and_conversation(
    desk: Desk, tickets: dict[str, int]
) -> None:
    assert await found(desk, "printer") == {tickets["printer"], tickets["quiet"]}
    assert await found(desk, "paris") == {tickets["vpn"]}  # description, any case
    assert await found(desk, "refunded") == {tickets["invoice"]}  # an agent's reply
    assert await found(desk, "lyon") == {tickets["quiet"]}  # the customer's message
    assert await found(desk, "printer", "lyon") == {tickets["quiet"]}  # every term
    assert await found(desk, "nowhere") == set()


async def test_prefixes_and_phrases(desk: Desk, tickets: dict[str, int]) -> None:
    assert await found(desk, "refu") == {tickets["invoice"]}  # a word still being typed
    assert await found(desk, "duplicate charge") == {tickets["invoice"]}  # a phrase
    assert await found(desk, "charge duplicate") == set()  # words in that order only


async def test_the_index_follows_edits_merges_and_deletes(
    desk: Desk, tickets: dict[str, int]
) -> None:
    lena = desk.service("lena")
    await lena.edit(tickets["printer"], {"subject": "Scanner jams"})
    assert await found(desk, "scanner") == {tickets["printer"]}
    assert tickets["printer"] not in await found(desk, "printer")
    # A merge moves the conversation: its words now find the ticket it went to.
    await lena.merge(tickets["quiet"], tickets["vpn"])
    assert tickets["vpn"] in await found(desk, "lyon")
    await desk.service("root").delete(tickets["invoice"], confirm=True)
    assert await found(desk, "refunded") == set()


@pytest.mark.parametrize(
    "hostile",
    ['"', "NEAR(a b)", "*", "-", "a OR", "col:printer", "'; DROP TABLE tickets; --", "\x00", "^"],
)
async def test_search_syntax_in_what_is_typed_is_only_words(
    desk: Desk, tickets: dict[str, int], hostile: str
) -> None:
    """Whatever is typed, the index sees only its words: no syntax error, no injection."""
    result = await found(desk, hostile)
    if tokens(hostile):
        assert result <= set(tickets.values())
    else:
        assert result == set(tickets.values())  # nothing to search for: no narrowing
    assert await found(desk, "printer", hostile) <= {tickets["printer"], tickets["quiet"]}
