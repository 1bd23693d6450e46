"""The knowledge base (``g k`` on the queue): search articles as you type, read the one
under the cursor, write (``a``) and edit (``e``) them.  The reply form opens the same
screen to pick an article (the ticket's subject as the search), and ``enter`` inserts
its text at the cursor.  Article text is shown as plain, cleaned text: resolutions come
from tickets, whose text is untrusted."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from console.context import InConsole
from console.data.errors import BadValue
from console.data.kb import ArticleRecord, KnowledgeBase
from console.keys import bindings, key_hint
from console.safe import clean
from console.screens.form import Field, FieldError, FormScreen
from console.screens.worker_errors import ReportsWorkerErrors
from console.widgets.editing import EditableInput


def article_form(kb: KnowledgeBase, article: ArticleRecord | None = None) -> FormScreen:
    """Write a new article, or edit one."""

    async def save(values: dict[str, Any]) -> ArticleRecord:
        try:
            if article is None:
                return await kb.add(values["title"], values["body"], values["tags"])
            return await kb.edit(
                article.id, title=values["title"], body=values["body"], tags=values["tags"]
            )
        except BadValue as exc:
            field = "title" if "title" in str(exc) else "body"
            raise FieldError(field, str(exc)) from None

    title = "New article" if article is None else f"Edit article {article.id}"
    return FormScreen(
        title,
        [
            Field("title", "Title", value=article.title if article else "", required=True),
            Field("body", "Text", "text", value=article.body if article else "", required=True),
            Field(
                "tags",
                "Tags (comma-separated)",
                value=", ".join(article.tags) if article else "",
            ),
        ],
        save,
    )


class KnowledgeBaseScreen(InConsole, ReportsWorkerErrors, ModalScreen[ArticleRecord | None]):
    """The articles: a search line, the list, and the article under the cursor.  When
    ``picking``, ``enter`` gives the article back (to insert it); esc gives nothing."""

    BINDINGS = bindings("KnowledgeBaseScreen")

    def __init__(self, query: str = "", *, picking: bool = False) -> None:
        super().__init__()
        self.query_text = query
        self.picking = picking
        self.articles: list[ArticleRecord] = []

    @property
    def kb(self) -> KnowledgeBase:
        return KnowledgeBase(self.ctx.service.db, self.ctx.service.actor, self.ctx.clock)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog kb"):
            title = "Insert an article" if self.picking else "Knowledge base"
            yield Label(Text(title), classes="form-title")
            yield EditableInput(
                clean(self.query_text, single_line=True),
                placeholder="search titles, text and tags",
                select_on_focus=False,
                id="kb-search",
            )
            with Horizontal(id="kb-panes"):
                yield OptionList(id="kb-list")
                with VerticalScroll(id="kb-reading"):
                    yield Static("", id="kb-article")
            yield Static(self.hint(), id="kb-hint")

    def hint(self) -> Text:
        def key(binding_id: str) -> str:
            return key_hint(self.app, binding_id)

        enter = "inserts" if self.picking else "reads all"
        return Text(
            f"enter {enter} · {key('kb.search')} search · {key('kb.add')} new · "
            f"{key('kb.edit')} edit · {key('kb.close')} closes",
            style="dim",
        )

    def on_mount(self) -> None:
        self.search(self.query_text)
        self.query_one("#kb-search", Input).focus()

    @on(Input.Changed, "#kb-search")
    def typed(self, message: Input.Changed) -> None:
        self.search(message.value)

    @on(Input.Submitted, "#kb-search")
    def to_list(self) -> None:
        self.query_one("#kb-list", OptionList).focus()

    @work(exclusive=True, group="kb-search", exit_on_error=False)
    async def search(self, text: str, keep: int | None = None) -> None:
        """Show the articles holding every word typed (all of them for no words)."""
        self.articles = await self.kb.search(text)
        some_words = False
        if not self.articles and len(text.split()) > 1:
            # A ticket's whole subject is rarely in one article: those with some of it.
            self.articles = await self.kb.search(text, every=False)
            some_words = bool(self.articles)
        options = self.query_one("#kb-list", OptionList)
        options.clear_options()
        options.add_options([self._option(a) for a in self.articles])
        if self.articles:
            ids = [a.id for a in self.articles]
            options.highlighted = ids.index(keep) if keep in ids else 0
        self.show(self.current)
        label = self.query_one("#kb-hint", Static)
        label.update(
            Text("No article holds every word; these hold some of them.", style="dim")
            if some_words
            else self.hint()
        )
        if not self.articles:
            found = "No article holds every word typed." if text.strip() else "No articles yet."
            self.query_one("#kb-article", Static).update(Text(found, style="dim"))

    @staticmethod
    def _option(article: ArticleRecord) -> Option:
        prompt = Text(clean(article.title, single_line=True), no_wrap=True, overflow="ellipsis")
        if article.ticket:
            prompt.append(f"  #{article.ticket}", style="dim")
        return Option(prompt, id=str(article.id))

    @property
    def current(self) -> ArticleRecord | None:
        index = self.query_one("#kb-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.articles):
            return None
        return self.articles[index]

    def show(self, article: ArticleRecord | None) -> None:
        pane = self.query_one("#kb-article", Static)
        if article is None:
            pane.update("")
            return
        text = Text()
        text.append(clean(article.title, single_line=True), style="bold")
        facts = [f"article {article.id}"]
        if article.ticket:
            facts.append(f"from #{article.ticket}")
        if article.tags:
            facts.append("tags: " + ", ".join(article.tags))
        if article.author:
            facts.append(f"by {article.author}")
        text.append("\n" + clean(" · ".join(facts), single_line=True) + "\n\n", style="dim")
        text.append(clean(article.body))
        pane.update(text)
        self.query_one("#kb-reading", VerticalScroll).scroll_home(animate=False)

    @on(OptionList.OptionHighlighted, "#kb-list")
    def highlighted(self) -> None:
        self.show(self.current)

    @on(OptionList.OptionSelected, "#kb-list")
    def chosen(self) -> None:
        article = self.current
        if article is None:
            return
        if self.picking:
            self.dismiss(article)
            return
        from console.screens.pager import PagerScreen

        self.app.push_screen(PagerScreen(article.title, article.body))

    def action_focus_search(self) -> None:
        self.query_one("#kb-search", Input).focus()

    def action_add(self) -> None:
        self.app.push_screen(article_form(self.kb), self._saved)

    def action_edit(self) -> None:
        article = self.current
        if article is None:
            self.ctx.tell("No article to edit here.", timeout=3)
            return
        self.app.push_screen(article_form(self.kb, article), self._saved)

    def _saved(self, article: ArticleRecord | None) -> None:
        if article is not None:
            self.ctx.tell("Saved article {id}.", id=article.id)
            self.search(self.query_one("#kb-search", Input).value, keep=article.id)

    def action_close(self) -> None:
        self.dismiss(None)
