"""``agent-console kb``: the knowledge base: list, search, show, add and edit articles."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from console.cli.output import out, print_json
from console.cli.parser import Commands, common, group, json_flag, positive
from console.cli.session import Session, in_session

if TYPE_CHECKING:
    from console.data.kb import ArticleRecord, KnowledgeBase


def register(commands: Commands) -> None:
    """``kb list|search|show|add|edit``."""
    kb = group(commands, "kb", "the knowledge base: articles", "kb_command")
    listing = kb.add_parser("list", help="the articles, the most recently written first")
    search = kb.add_parser("search", help="articles holding every word (title, body, tags)")
    search.add_argument("text")
    show = kb.add_parser("show", help="one article in full")
    show.add_argument("article", type=positive, metavar="ID")
    add = kb.add_parser("add", help="write an article")
    add.add_argument("--title", required=True)
    add.add_argument("--ticket", type=positive, metavar="N", help="the ticket it comes from")
    edit = kb.add_parser("edit", help="change an article's title, text or tags")
    edit.add_argument("article", type=positive, metavar="ID")
    edit.add_argument("--title")
    for parser in (add, edit):
        text = parser.add_mutually_exclusive_group(required=parser is add)
        text.add_argument("--body", help="the article's text")
        text.add_argument("--body-file", metavar="PATH", help="the text from a file (- stdin)")
        parser.add_argument("--tags", metavar="T,T", help="comma-separated tags")
    for parser, run in (
        (listing, _list),
        (search, _search),
        (show, _show),
        (add, _add),
        (edit, _edit),
    ):
        common(parser)
        json_flag(parser)
        parser.set_defaults(run=in_session(run))


def _kb(session: Session) -> KnowledgeBase:
    from console.data.kb import KnowledgeBase

    return KnowledgeBase(session.db, session.actor)


def _summary(article: ArticleRecord) -> str:
    source = f" (from #{article.ticket})" if article.ticket else ""
    tags = f" [{', '.join(article.tags)}]" if article.tags else ""
    return f"{article.id}: {article.title}{tags}{source}"


def _print_list(articles: list[ArticleRecord], as_json: bool) -> int:
    if as_json:
        print_json(articles)
    elif not articles:
        out("No articles.")
    for article in [] if as_json else articles:
        out(_summary(article))
    return 0


def _print_one(article: ArticleRecord, as_json: bool) -> int:
    if as_json:
        print_json(article)
        return 0
    out(_summary(article))
    by = f" by {article.author}" if article.author else ""
    out(f"Updated {article.updated_at:%Y-%m-%d %H:%M} UTC{by}")
    out("")
    out(article.body)
    return 0


def _body(args: argparse.Namespace) -> str | None:
    if args.body_file is None:
        body: str | None = args.body
        return body
    from console.data.errors import BadValue

    try:
        if args.body_file == "-":
            return sys.stdin.read()
        with open(args.body_file, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadValue(f"Could not read {args.body_file}: {exc}.") from exc


async def _list(args: argparse.Namespace, session: Session) -> int:
    return _print_list(await _kb(session).list(), args.json)


async def _search(args: argparse.Namespace, session: Session) -> int:
    return _print_list(await _kb(session).search(args.text), args.json)


async def _show(args: argparse.Namespace, session: Session) -> int:
    return _print_one(await _kb(session).show(args.article), args.json)


async def _add(args: argparse.Namespace, session: Session) -> int:
    article = await _kb(session).add(
        args.title, _body(args) or "", args.tags or "", ticket=args.ticket
    )
    return _print_one(article, args.json)


async def _edit(args: argparse.Namespace, session: Session) -> int:
    article = await _kb(session).edit(
        args.article, title=args.title, body=_body(args), tags=args.tags
    )
    return _print_one(article, args.json)
