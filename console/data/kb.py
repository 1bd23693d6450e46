"""The knowledge base: articles (a title, a body, tags and the ticket they came from)
that agents list, search, read, write and edit.

A published resolution becomes its ticket's article (``Resolutions._resolve``); editing
the article afterwards is kept: publishing the resolution again replaces the body only
while it is still the resolution's text.  Search is the ticket search's engine (FTS5 on
SQLite, a GIN text-search index on PostgreSQL; ``console.data.search.article_clause``).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from console.data.acting import Acting
from console.data.errors import BadValue, NotFound
from console.data.models import Agent, Article, Ticket
from console.data.search import article_clause, tokens

#: Most articles a list or a search returns.
LIMIT = 200
TITLE_MAX = 200


@dataclass(frozen=True)
class ArticleRecord:
    """One article as the console and the command line show it."""

    id: int
    title: str
    body: str
    tags: tuple[str, ...]
    #: the number of the ticket it was published from, if any
    ticket: int | None
    author: str | None
    created_at: datetime
    updated_at: datetime


def split_tags(text: str | Iterable[str]) -> tuple[str, ...]:
    """Tags as stored: lower case, trimmed, each once, in the order given."""
    parts = text.split(",") if isinstance(text, str) else text
    return tuple(dict.fromkeys(t.strip().lower() for t in parts if t.strip()))


def _title(text: str) -> str:
    title = " ".join(text.split())
    if not title:
        raise BadValue("An article needs a title.")
    if len(title) > TITLE_MAX:
        raise BadValue(f"An article's title has at most {TITLE_MAX} characters.")
    return title


def _body(text: str) -> str:
    if not text.strip():
        raise BadValue("An article needs some text.")
    return text


class KnowledgeBase(Acting):
    """The articles, read and written by one agent."""

    def _select(self) -> Select[Article, int, str]:
        author = aliased(Agent)
        # Outer joins: the number and the author may be None (SQLAlchemy types them not).
        query: Select[Article, int, str] = (
            select(Article, Ticket.number, author.username)
            .outerjoin(Ticket, Ticket.id == Article.ticket_id)
            .outerjoin(author, author.id == Article.author_id)
            .order_by(
                func.coalesce(Article.updated_at, Article.created_at).desc(), Article.id.desc()
            )
        )
        return query

    @staticmethod
    def _record(article: Article, number: int | None, author: str | None) -> ArticleRecord:
        return ArticleRecord(
            id=article.id,
            title=article.title,
            body=article.body,
            tags=split_tags(article.tags or ""),
            ticket=number,
            author=author,
            created_at=article.created_at,
            updated_at=article.updated_at or article.created_at,
        )

    async def _rows(self, query: Select[Article, int, str]) -> builtins.list[ArticleRecord]:
        async with self.db.read() as session:
            rows = (await session.execute(query)).all()
            return [self._record(article, number, author) for article, number, author in rows]

    async def list(self, limit: int = LIMIT) -> builtins.list[ArticleRecord]:
        """The articles, the most recently written first."""
        return await self._rows(self._select().limit(limit))

    async def search(
        self, text: str, limit: int = LIMIT, *, every: bool = True
    ) -> builtins.list[ArticleRecord]:
        """Articles whose title, body or tags hold every word of ``text`` (the last word
        may be half typed; ``every=False``: any of the words), the most recently written
        first."""
        words = tokens(text)
        if not words:
            return await self.list(limit)
        sqlite = self.db.is_sqlite
        clauses = [article_clause(word, sqlite=sqlite) for word in words]
        match = and_(*clauses) if every else or_(*clauses)
        return await self._rows(self._select().where(match).limit(limit))

    async def show(self, article_id: int) -> ArticleRecord:
        """One article."""
        found = await self._rows(self._select().where(Article.id == article_id))
        if not found:
            raise NotFound(f"There is no article {article_id}.")
        return found[0]

    async def add(
        self,
        title: str,
        body: str,
        tags: str | Iterable[str] = (),
        *,
        ticket: int | None = None,
    ) -> ArticleRecord:
        """Write a new article (``ticket``: the number of the ticket it comes from)."""
        title, body, now = _title(title), _body(body), self.clock()
        async with self.db.write() as session:
            ticket_id = None
            if ticket is not None:
                ticket_id = (
                    await session.execute(select(Ticket.id).where(Ticket.number == ticket))
                ).scalar_one_or_none()
                if ticket_id is None:
                    raise NotFound(f"There is no ticket #{ticket}.")
                taken = await session.execute(
                    select(Article.id).where(Article.ticket_id == ticket_id)
                )
                existing = taken.scalar_one_or_none()
                if existing is not None:
                    raise BadValue(
                        f"Ticket #{ticket} already has article {existing}; edit that one."
                    )
            article = Article(
                title=title,
                body=body,
                tags=",".join(split_tags(tags)),
                ticket_id=ticket_id,
                author_id=self.actor.id,
                created_at=now,
                updated_at=now,
            )
            session.add(article)
            await session.flush()
            new_id = article.id
        return await self.show(new_id)

    async def edit(
        self,
        article_id: int,
        *,
        title: str | None = None,
        body: str | None = None,
        tags: str | Iterable[str] | None = None,
    ) -> ArticleRecord:
        """Change an article's title, body or tags (what is not given stays)."""
        async with self.db.write() as session:
            article = await session.get(Article, article_id)
            if article is None:
                raise NotFound(f"There is no article {article_id}.")
            if title is not None:
                article.title = _title(title)
            if body is not None:
                article.body = _body(body)
            if tags is not None:
                article.tags = ",".join(split_tags(tags))
            article.author_id = self.actor.id
            article.updated_at = self.clock()
        return await self.show(article_id)
