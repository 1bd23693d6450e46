"""Offline spellcheck of what an agent writes (``pyspellchecker``): which words of a text
look misspelled, what they could be, and the personal dictionary of words one has added.

Ticket numbers (``#1042``), addresses, URLs, ``@mentions``, ``::canned`` names,
placeholders and code-like words (``snake_case``, ``CamelCase``, paths, file names, words
with digits, ``ACRONYMS``) are never flagged.  No Textual here: the text fields run
``Speller.check`` in a worker thread.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_config_dir

from console.config import APP_NAME, Settings

if TYPE_CHECKING:
    from spellchecker import SpellChecker


#: A run of text without spaces; each is judged whole before its words are.
_TOKEN = re.compile(r"\S+")
#: The words inside a token: letters, with apostrophes inside ("don't", "customer's").
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
#: Tokens that are not prose: addresses, URLs, ticket numbers, mentions, canned names,
#: placeholders, paths and anything with a digit or an underscore in it.
_NOT_PROSE = re.compile(
    r"""
    @ | :// | ^www\. | ^\#\d | ^:: | [{}<>=\\/|`$%^*~] | \d | _
    | [a-z][A-Z]            # CamelCase, camelCase, iPhone
    | [A-Z]{2,}[a-z]        # HTTPServer
    | \w\.\w                # file.txt, example.com, e.g
    """,
    re.VERBOSE,
)


#: Help-desk words the general dictionary lacks (added to every language's checker).
SUPPORT_WORDS = (
    "app",
    "apps",
    "screenshot",
    "screenshots",
    "workaround",
    "workarounds",
    "login",
    "logins",
    "logout",
    "username",
    "usernames",
    "dropdown",
    "checkbox",
    "inbox",
    "email",
    "emails",
    "signup",
    "wifi",
    "backend",
    "frontend",
    "plugin",
    "plugins",
    "timestamp",
    "unsubscribe",
    "reinstall",
    "dashboard",
    "hotfix",
    "chatbot",
    "ok",
    "voicemail",
)


@dataclass(frozen=True)
class Misspelling:
    """A word that looks misspelled: its line (from 0) and columns (end excluded)."""

    row: int
    start: int
    end: int
    word: str


def personal_dictionary_path() -> Path:
    """The personal dictionary: one word a line, in the user's config folder."""
    return Path(user_config_dir(APP_NAME)) / "dictionary.txt"


def words_to_check(line: str) -> Iterable[tuple[int, int, str]]:
    """The words of a line that are prose, with their columns."""
    for token in _TOKEN.finditer(line):
        text = token.group()
        if _NOT_PROSE.search(text):
            continue
        for word in _WORD.finditer(text):
            found = word.group()
            if len(found) < 2 or (found.isupper() and len(found) <= 6):
                continue  # single letters and acronyms (VPN, SLA, GDPR)
            yield token.start() + word.start(), token.start() + word.end(), found


class Speller:
    """The checker of one language plus the personal dictionary.  ``check`` may run in a
    worker thread while ``add`` runs in the console's own."""

    def __init__(self, language: str = "en", personal: Path | None = None) -> None:
        self.language = language
        self.personal = personal or personal_dictionary_path()
        self._lock = threading.Lock()
        self._checker: SpellChecker | None = None
        #: lower-cased word -> known; a word is looked up once
        self._known: dict[str, bool] = {}
        #: line -> its misspellings as (start, end, word): a key changes one line
        self._lines: dict[str, tuple[tuple[int, int, str], ...]] = {}
        self._added: set[str] = set()

    def _spell(self) -> SpellChecker:
        with self._lock:
            if self._checker is None:
                from spellchecker import SpellChecker

                checker = SpellChecker(language=self.language)
                self._added = set(_read_words(self.personal))
                checker.word_frequency.load_words([*SUPPORT_WORDS, *sorted(self._added)])
                self._checker = checker
            return self._checker

    def load(self) -> None:
        """Load the dictionary now (it is otherwise loaded by the first check)."""
        self._spell()

    def is_known(self, word: str) -> bool:
        key = word.lower().replace("’", "'")
        known = self._known.get(key)
        if known is None:
            spell = self._spell()
            known = key in self._added or bool(spell.known([key]))
            if not known and "'" in key:  # customer's, Priya's
                known = bool(spell.known([key.split("'")[0]]))
            self._known[key] = known
        return known

    def check_line(self, line: str) -> tuple[tuple[int, int, str], ...]:
        found = self._lines.get(line)
        if found is None:
            found = tuple(w for w in words_to_check(line) if not self.is_known(w[2]))
            if len(self._lines) > 20_000:
                self._lines.clear()
            self._lines[line] = found
        return found

    def check(self, text: str) -> list[Misspelling]:
        """Every misspelled word of ``text``, in order."""
        return [
            Misspelling(row, start, end, word)
            for row, line in enumerate(text.split("\n"))
            for start, end, word in self.check_line(line)
        ]

    def suggestions(self, word: str, limit: int = 8) -> list[str]:
        """What the word could be, the likeliest first, in the word's own capitals."""
        spell = self._spell()
        key = word.lower()
        found = spell.candidates(key) or set()
        ranked = sorted(found - {key}, key=lambda w: (-spell.word_usage_frequency(w), w))
        return [_same_case(word, w) for w in ranked[:limit]]

    def add(self, word: str) -> None:
        """Add a word to the personal dictionary (the file and this checker)."""
        key = word.lower().replace("’", "'")
        self._spell()
        if key in self._added:
            return
        self.personal.parent.mkdir(parents=True, exist_ok=True)
        with self.personal.open("a", encoding="utf-8") as out:
            out.write(key + "\n")
        self._added.add(key)
        self._known[key] = True
        self._lines.clear()


def _read_words(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#")]


def _same_case(original: str, word: str) -> str:
    if original.isupper():
        return word.upper()
    if original[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


@lru_cache(maxsize=4)
def _speller(language: str, personal: Path) -> Speller:
    return Speller(language, personal)


def speller_for(settings: Settings) -> Speller | None:
    """The console's speller for the configured language (one per process), or None
    when spellcheck is turned off."""
    if not settings.spellcheck_enabled:
        return None
    return _speller(settings.spellcheck_language, personal_dictionary_path())
