"""Full-text search over tickets: subject, description and the conversation.

SQLite: two FTS5 indexes over the tables' own text (external content, so the text is not
stored twice), ``ticket_search`` (subject, description) and ``message_search`` (message
bodies), kept in step by triggers on ``tickets`` and ``messages`` (migration 0003).
PostgreSQL: GIN indexes on the ``simple`` text-search vectors of the same columns.

Resolutions (``resolution_search`` / a GIN index) are searched with the ticket, and
knowledge-base articles (title, body, tags: ``article_search``) by ``article_clause``
(migration 0010).

A ticket matches a search term when its subject, its description, one of its messages or
its resolution holds it; several terms must each be found (in any of those places).
Matches are sorted like any queue (by recency, due time or priority), never ranked by
relevance: ranking hundreds of thousands of hits is what makes searches slow.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
)

from console.data.models import Article, Message, Resolution, Ticket

#: Objects the search migration makes that the ORM models do not describe (FTS5 tables
#: and their shadow tables, expression indexes); schema comparisons leave them out.
SEARCH_OBJECTS = frozenset(
    {
        "ticket_search",
        "message_search",
        *(
            f"{table}_{shadow}"
            for table in ("ticket_search", "message_search")
            for shadow in ("data", "idx", "docsize", "config", "content")
        ),
        "ix_tickets_search",
        "ix_messages_search",
        # migration 0010: knowledge-base articles and resolutions
        *(
            f"{table}{shadow}"
            for table in ("article_search", "resolution_search")
            for shadow in ("", "_data", "_idx", "_docsize", "_config")
        ),
        "ix_articles_search",
        "ix_resolutions_search",
    }
)

#: PostgreSQL: the text-search vectors the GIN indexes are built on (kept identical to
#: the migration's index expressions, or the planner cannot use the indexes).
PG_TICKET_VECTOR = (
    "to_tsvector('simple'::regconfig, coalesce(tickets.subject, '') || ' ' || "
    "coalesce(tickets.description, ''))"
)
PG_MESSAGE_VECTOR = "to_tsvector('simple'::regconfig, coalesce(messages.body, ''))"
PG_RESOLUTION_VECTOR = "to_tsvector('simple'::regconfig, coalesce(resolutions.text, ''))"
PG_ARTICLE_VECTOR = (
    "to_tsvector('simple'::regconfig, coalesce(articles.title, '') || ' ' || "
    "coalesce(articles.body, '') || ' ' || coalesce(articles.tags, ''))"
)

#: SQLite: the FTS5 tables, each with its hidden column of the same name (what MATCH is
#: asked of) and the rowid of the row it indexes.
_TICKET_INDEX = table("ticket_search", column("rowid"), column("ticket_search"))
_MESSAGE_INDEX = table("message_search", column("rowid"), column("message_search"))
_RESOLUTION_INDEX = table("resolution_search", column("rowid"), column("resolution_search"))
_ARTICLE_INDEX = table("article_search", column("rowid"), column("article_search"))

_WORD = re.compile(r"\w+", re.UNICODE)


def tokens(term: str) -> list[str]:
    """The words of a search term as the indexes split them (letters and digits)."""
    return _WORD.findall(term.lower())


def _fts5_query(term: str) -> str:
    """An FTS5 query for one term: its words as a phrase, the last one as a prefix (so a
    half-typed word already matches).  Only words reach FTS5: never its syntax."""
    words = tokens(term)
    phrase = " ".join(f'"{w}"' for w in words[:-1])
    last = f'"{words[-1]}"*'
    return f"{phrase} + {last}" if phrase else last


def _tsquery(term: str) -> str:
    words = tokens(term)
    return " <-> ".join([*words[:-1], f"{words[-1]}:*"])


def term_clause(term: str, *, sqlite: bool) -> ColumnElement[bool]:
    """Tickets whose subject, description or conversation holds ``term`` (a word or a
    quoted phrase).  A term without any letter or digit matches every ticket."""
    if not tokens(term):
        return Ticket.id.is_not(None)
    if sqlite:
        query = _fts5_query(term)
        fts_tickets: Select[Any] = select(_TICKET_INDEX.c.rowid).where(
            _TICKET_INDEX.c.ticket_search.op("MATCH")(literal(query))
        )
        in_messages = (
            select(Message.ticket_id)
            .join_from(_MESSAGE_INDEX, Message, Message.id == _MESSAGE_INDEX.c.rowid)
            .where(_MESSAGE_INDEX.c.message_search.op("MATCH")(literal(query)))
        )
        in_resolution = (
            select(Resolution.ticket_id)
            .join_from(_RESOLUTION_INDEX, Resolution, Resolution.id == _RESOLUTION_INDEX.c.rowid)
            .where(_RESOLUTION_INDEX.c.resolution_search.op("MATCH")(literal(query)))
        )
        return or_(
            Ticket.id.in_(fts_tickets),
            Ticket.id.in_(in_messages),
            Ticket.id.in_(in_resolution),
        )
    tsquery = _pg_tsquery(term)
    in_ticket: ColumnElement[bool] = literal_column(PG_TICKET_VECTOR).op("@@")(tsquery)
    pg_messages = select(Message.ticket_id).where(
        literal_column(PG_MESSAGE_VECTOR).op("@@")(tsquery)
    )
    pg_resolutions = select(Resolution.ticket_id).where(
        literal_column(PG_RESOLUTION_VECTOR).op("@@")(tsquery)
    )
    return or_(in_ticket, Ticket.id.in_(pg_messages), Ticket.id.in_(pg_resolutions))


def _pg_tsquery(term: str) -> ColumnElement[Any]:
    return func.to_tsquery(literal_column("'simple'::regconfig"), _tsquery(term))


def article_clause(term: str, *, sqlite: bool) -> ColumnElement[bool]:
    """Knowledge-base articles whose title, body or tags hold ``term`` (the same engine
    and the same word rules as ticket search)."""
    if not tokens(term):
        return Article.id.is_not(None)
    if sqlite:
        found: Select[Any] = select(_ARTICLE_INDEX.c.rowid).where(
            _ARTICLE_INDEX.c.article_search.op("MATCH")(literal(_fts5_query(term)))
        )
        return Article.id.in_(found)
    vector: ColumnElement[bool] = literal_column(PG_ARTICLE_VECTOR).op("@@")(_pg_tsquery(term))
    return vector
