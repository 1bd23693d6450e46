"""The filter language typed at ``/`` and given to ``ticket list --filter``.

``status:new prio:high -owner:none "paper jam" -printer`` keeps the tickets that match every
term.  Three steps, kept apart so each can be used (and tested) on its own:

1. ``parse_filter(text)`` reads the text into a ``Filter`` (pure Python, no database).  A
   mistake raises ``FilterError`` with the offending token's offsets and, where one is
   close, a suggestion; ``render_error`` draws a caret under the token.
2. ``resolve_names(parsed, session)`` looks up the names of rows (owner, team, dept,
   account) and raises ``FilterError`` for one that does not exist, suggesting the closest
   known name.
3. ``compile_filter(parsed, context)`` builds a SQLAlchemy condition on ``tickets``.  It is
   only ever ANDed with the actor's scope (``Queries.view_clause``): a filter narrows a
   view, it never widens it.  Free words go through a pluggable ``words`` function (LIKE on
   subject and description by default; ``console.data.search.term_clause`` fits too).

``build_filter`` does all three for a ``Database`` and an actor.  ``normalise(parsed)``
writes a filter back in its canonical spelling (for saved views); ``describe()`` is the
help text.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from console.data.db import Database
from console.data.errors import BadValue
from console.data.models import (
    Account,
    Activity,
    Agent,
    Approval,
    Attachment,
    Contact,
    Department,
    Message,
    Team,
    Ticket,
    approval_approvers,
    message_mentions,
)
from console.data.records import CHANNELS, PRIORITIES, looks_like_email
from console.data.workflow import STAGES, AmcState, Status

__all__ = [
    "EXAMPLES",
    "FIELDS",
    "SYNTAX",
    "Filter",
    "FilterContext",
    "FilterError",
    "Names",
    "Term",
    "WordsClause",
    "build_filter",
    "caret_lines",
    "compile_filter",
    "describe",
    "like_words",
    "normalise",
    "parse_filter",
    "render_error",
    "resolve_names",
    "search_words",
]

# -- the language ---------------------------------------------------------------------------

#: Every field name typed before a colon -> its canonical name.
FIELDS: dict[str, str] = {
    "status": "status",
    "stage": "stage",
    "prio": "prio",
    "priority": "prio",
    "owner": "owner",
    "team": "team",
    "dept": "dept",
    "department": "dept",
    "account": "account",
    "contact": "contact",
    "channel": "channel",
    "due": "due",
    "created": "created",
    "updated": "updated",
    "amc": "amc",
    "has": "has",
    "mentions": "mentions",
    "mention": "mentions",
    "approval": "approval",
    "approvals": "approval",
}

#: Bare keywords (no colon).
OVERDUE = "overdue"

#: Fields whose value names rows in the database (resolved by ``resolve_names``).
NAMED_FIELDS: tuple[str, ...] = ("owner", "team", "dept", "account")

#: Fields compared with a time: ``due:<4h``, ``created:>2026-01-01``, ``updated:<7d``.
TIME_FIELDS: tuple[str, ...] = ("due", "created", "updated")

_OPEN = "open"
_STATUS_VALUES: dict[str, str] = {s.value.lower(): s.value for s in Status}
_STAGE_VALUES: dict[str, str] = {s.lower(): s for s in STAGES}
_PRIORITY_VALUES: dict[str, int] = {name.lower(): rank for rank, name in PRIORITIES.items()}
#: Other spellings people use for a priority; normalised to the code's own names.
_PRIORITY_ALIASES: dict[str, str] = {"normal": "medium"}
_CHANNEL_VALUES: dict[str, str] = {c.lower(): c for c in CHANNELS}
_AMC_VALUES: tuple[str, ...] = (AmcState.EXPIRED.value, AmcState.EXCEPTION.value, AmcState.OK.value)
_HAS_VALUES: dict[str, str] = {
    "attachment": "attachment",
    "attachments": "attachment",
    "reminder": "reminder",
    "reminders": "reminder",
}
_PENDING = "pending"
_APPROVAL_VALUES: tuple[str, ...] = ("me", _PENDING)
_NONE = "none"
_ME = "me"

#: (syntax, meaning) of every term, in the order the help shows them.
SYNTAX: tuple[tuple[str, str], ...] = (
    ("status:new", "new, scheduled, inprogress, closed, reopen"),
    ("status:open", "every status but closed"),
    ("stage:scheduled", "a stage of the stage bar (new ... reopen, all)"),
    ("prio:high", "priority (or priority:): high, medium, low"),
    ("owner:me owner:none", "yours / unassigned"),
    ("owner:alice", "an agent's, by login or name"),
    ("team:billing", "owned by a member (or the lead) of the team"),
    ('dept:"Sales EU"', "department (or department:); dept:none"),
    ('account:"Acme Ltd"', "the customer account; account:none"),
    ("contact:bob@example.com", "the contact's email, or words of its name"),
    ("channel:email", "email phone web chat forum twitter facebook"),
    ("due:<4h", "due within 4 hours (not yet overdue); due:>2d"),
    ("overdue", "open and past its due time (escalated)"),
    ("created:>2026-01-01", "created after that day; also <, <=, >=, the day"),
    ("updated:<7d", "updated less than 7 days ago; updated:>7d more"),
    ("amc:expired", "account's contract ended; also amc:exception, amc:ok"),
    ("has:attachment", "at least one file attached"),
    ("has:reminder", "an open task, call or event with a reminder set"),
    ("mentions:me", "a comment @mentions me (or mention:)"),
    ("approval:me", "mine to decide (or approvals:); also approval:pending"),
    ("#1042", "ticket number (a bare 1042 too)"),
    ('printer "paper jam"', "words, a phrase: subject, text, conversation, contact"),
    ("-status:closed -printer", "'-' before any term or word excludes its matches"),
)

#: Whole filters shown as examples.
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("owner:me -status:closed", "my open tickets"),
    ("prio:high due:<4h", "high priority, due within 4 hours"),
    ("overdue team:billing", "Billing's escalated tickets"),
    ('account:"Acme Ltd" has:attachment', "Acme's tickets with files"),
    ("owner:none channel:email -printer", "unassigned mail, not about printers"),
    ('"paper jam" updated:>7d', "untouched for a week"),
    ("mentions:me status:open", "open, where someone @mentioned me"),
)

_DURATION_FORMS = "use <4h or >2d (m, h, d, w) or a day (>2026-01-01, <=2026-03-31, 2026-02-14)"


def describe() -> str:
    """The filter language with examples, for the help screen and ``--help``."""
    width = max(len(syntax) for syntax, _ in SYNTAX)
    example_width = max(len(text) for text, _ in EXAMPLES)
    lines = [
        "Filter: terms separated by spaces; a ticket must match every one.",
        "",
        *(f"  {syntax.ljust(width)}  {meaning}" for syntax, meaning in SYNTAX),
        "",
        "Durations: m minutes, h hours, d days, w weeks.  Days are local (YYYY-MM-DD).",
        "Names and values match in any case; quote values with spaces.",
        'A bare number is a ticket number, overdue a keyword: quote them ("404") to',
        "search for the text.",
        "",
        "Examples:",
        *(f"  {text.ljust(example_width)}  {meaning}" for text, meaning in EXAMPLES),
    ]
    return "\n".join(lines)


# -- errors ---------------------------------------------------------------------------------


class FilterError(BadValue):
    """A filter that cannot be read or names something unknown.

    ``start``/``end`` are the offending token's offsets in the filter text (``end`` is
    past its last character).  ``message`` says what is wrong; ``suggestion`` is the
    closest accepted spelling, if any, and ``replacement`` what to put at
    ``text[start:end]`` to apply it (quoted if needed).  ``str()`` is the whole sentence.
    """

    def __init__(
        self,
        message: str,
        start: int,
        end: int,
        *,
        suggestion: str | None = None,
        replacement: str | None = None,
    ) -> None:
        self.message = message
        self.start = start
        self.end = max(end, start)
        self.suggestion = suggestion
        self.replacement = (
            replacement if replacement is not None or suggestion is None else suggestion
        )
        sentence = message if suggestion is None else f"{message} — did you mean {suggestion!r}?"
        super().__init__(sentence)

    def corrected(self, text: str) -> str | None:
        """The filter with the suggestion applied, or None without one."""
        if self.replacement is None:
            return None
        return text[: self.start] + self.replacement + text[self.end :]


def _width(text: str) -> int:
    """Terminal cells taken by ``text`` (wide characters two, combining marks none)."""
    cells = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        cells += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return cells


def caret_lines(text: str, start: int, end: int, *, width: int | None = None) -> tuple[str, str]:
    """The filter on one line and a line of carets under ``text[start:end]``.

    Whitespace shows as spaces.  With ``width``, a long filter is cut to a window around
    the token, marked with ``…`` where text was left out.
    """
    shown = "".join(" " if c.isspace() else c for c in text)
    start = min(max(start, 0), len(shown))
    end = min(max(end, start + 1), len(shown) + 1)
    prefix, token = shown[:start], shown[start:end]
    rest = shown[end:]
    if width is not None and _width(shown) + 1 > width:
        budget = max(width - _width(token) - 2, 0)
        left_budget = budget // 2
        if _width(prefix) > left_budget:
            while prefix and _width(prefix) > max(left_budget - 1, 0):
                prefix = prefix[1:]
            prefix = "…" + prefix
        room = max(width - _width(prefix) - _width(token), 0)
        if _width(rest) > room:
            while rest and _width(rest) > max(room - 1, 0):
                rest = rest[:-1]
            rest += "…"
    line = prefix + token + rest
    carets = " " * _width(prefix) + "^" * max(_width(token.rstrip()) or 1, 1)
    return line.rstrip(), carets


def render_error(text: str, error: FilterError, *, width: int | None = None) -> str:
    """The filter, a caret line under the offending token, and the sentence, e.g.
    ``status:nwe`` / ``       ^^^`` / ``Unknown status 'nwe' — did you mean 'new'?``."""
    line, carets = caret_lines(text, error.start, error.end, width=width)
    return f"{line}\n{carets}\n{error}"


def _closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (any case), in the choice's own spelling."""
    by_fold: dict[str, str] = {}
    for choice in choices:
        by_fold.setdefault(choice.casefold(), choice)
    found = difflib.get_close_matches(word.casefold(), list(by_fold), n=1, cutoff=0.6)
    return by_fold[found[0]] if found else None


# -- the parsed filter ----------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One term of a filter.

    ``field`` is a canonical field name (``status`` ... ``has``) or ``number``, ``word``
    or ``overdue``.  ``value`` is the value in canonical spelling (``new``, ``4h``,
    ``Acme Ltd``; a word or phrase as typed).  ``op`` is the comparison of a time field
    (``<``, ``<=``, ``>``, ``>=`` or empty).  ``start``/``end`` span the whole term in the
    text (its ``-`` included), ``value_start``/``value_end`` its value.
    """

    field: str
    value: str
    negated: bool = False
    op: str = ""
    start: int = 0
    end: int = 0
    value_start: int = 0
    value_end: int = 0

    @property
    def key(self) -> tuple[str, str, str, bool]:
        """What the term means, without where it was typed."""
        return (self.field, self.op, self.value, self.negated)

    def __str__(self) -> str:
        sign = "-" if self.negated else ""
        if self.field == "word":
            return sign + _word_text(self.value)
        if self.field == "number":
            return f"{sign}#{self.value}"
        if self.field == OVERDUE:
            return sign + OVERDUE
        return f"{sign}{self.field}:{self.op}{_value_text(self.value)}"


@dataclass(frozen=True)
class Filter:
    """A parsed filter: every term must match.  ``text`` is what was typed."""

    text: str
    terms: tuple[Term, ...] = ()

    def __str__(self) -> str:
        return normalise(self)

    @property
    def empty(self) -> bool:
        """No terms: the filter keeps everything."""
        return not self.terms

    @property
    def ticket_number(self) -> int | None:
        """The number when the whole filter is one ticket number (``1042``, ``#1042``):
        quick search jumps straight to that ticket."""
        if len(self.terms) == 1 and self.terms[0].field == "number" and not self.terms[0].negated:
            return int(self.terms[0].value)
        return None

    @property
    def keys(self) -> tuple[tuple[str, str, str, bool], ...]:
        """What the filter means, without where each term was typed (for comparisons)."""
        return tuple(term.key for term in self.terms)


def normalise(parsed: Filter) -> str:
    """The filter in canonical spelling, one space between terms (for saved views).

    ``parse_filter(normalise(f))`` means the same as ``f``.
    """
    return " ".join(str(term) for term in parsed.terms)


_BARE_UNSAFE = re.compile(r'[\s"]')
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z_-]*")
_DIGITS = re.compile(r"[0-9]+")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value_text(value: str) -> str:
    """A field's value as written back: bare when that reads the same, else quoted."""
    if not value or _BARE_UNSAFE.search(value):
        return _quote(value)
    return value


def _word_text(word: str) -> str:
    """A free word as written back: quoted unless it reads back as the same word."""
    if (
        not word
        or _BARE_UNSAFE.search(word)
        or word[0] in "-#"
        or _DIGITS.fullmatch(word)
        or word.casefold() == OVERDUE
        or _field_prefix(word) is not None
    ):
        return _quote(word)
    return word


def _field_prefix(token: str) -> str | None:
    """The field name of ``name:value`` (any name of letters), or None for a plain word."""
    colon = token.find(":")
    if colon <= 0:
        return None
    name = token[:colon]
    return name if _FIELD_NAME.fullmatch(name) else None


# -- parsing --------------------------------------------------------------------------------


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def bare(self) -> tuple[str, int, int]:
        """A run up to the next space; a quote inside it is a mistake."""
        start = self.pos
        while self.pos < len(self.text) and not self.text[self.pos].isspace():
            if self.text[self.pos] == '"':
                raise FilterError(
                    "A quote inside a word; put the whole phrase in quotes "
                    '("paper jam", dept:"Sales EU")',
                    self.pos,
                    self.pos + 1,
                )
            self.pos += 1
        return self.text[start : self.pos], start, self.pos

    def quoted(self) -> tuple[str, int, int]:
        """A quoted string (``\\"`` and ``\\\\`` inside); must be followed by a space or
        the end."""
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise FilterError('Unterminated quote; close it with "', start, len(self.text))
            char = self.text[self.pos]
            if char == "\\" and self.text[self.pos + 1 : self.pos + 2] in ('"', "\\"):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            self.pos += 1
            if char == '"':
                break
            out.append(char)
        if not self.at_end() and not self.peek().isspace():
            bad = self.pos
            while self.pos < len(self.text) and not self.text[self.pos].isspace():
                self.pos += 1
            raise FilterError("Put a space after the closing quote", bad, self.pos)
        return "".join(out), start, self.pos


def parse_filter(text: str) -> Filter:
    """Read a filter; ``FilterError`` (with offsets and a suggestion) if it cannot be."""
    scan = _Scanner(text)
    terms: list[Term] = []
    while True:
        scan.skip_space()
        if scan.at_end():
            break
        start = scan.pos
        negated = False
        if scan.peek() == "-":
            negated = True
            scan.pos += 1
            if scan.at_end() or scan.peek().isspace():
                raise FilterError(
                    "A lone '-' excludes nothing; put it right before a term or word "
                    "(-status:closed, -printer)",
                    start,
                    start + 1,
                )
            if scan.peek() == "-":
                raise FilterError(
                    "One '-' before a term is enough (-status:closed)", start, start + 2
                )
        terms.append(_term(scan, start, negated))
    return Filter(text, tuple(terms))


def _term(scan: _Scanner, start: int, negated: bool) -> Term:
    if scan.peek() == '"':
        phrase, vstart, vend = scan.quoted()
        if not phrase.strip():
            raise FilterError("Empty quotes; put words between them", vstart, vend)
        return Term("word", phrase, negated, "", start, vend, vstart, vend)
    token_start = scan.pos
    # A field name and its colon, then the value: quoted or bare.
    head = re.match(r"[A-Za-z][A-Za-z_-]*:", scan.text[scan.pos :])
    if head is not None:
        name = head.group(0)[:-1]
        scan.pos += len(head.group(0))
        if scan.peek() == '"':
            value, vstart, vend = scan.quoted()
            quoted = True
        else:
            value, vstart, vend = scan.bare()
            quoted = False
        return _field_term(name, value, quoted, negated, start, token_start, vstart, vend)
    word, wstart, wend = scan.bare()
    if word.startswith("#"):
        digits = word[1:]
        if not _DIGITS.fullmatch(digits):
            raise FilterError(
                f"{word!r} is not a ticket number; write # and digits (#1042)", wstart, wend
            )
        return Term("number", str(int(digits)), negated, "", start, wend, wstart + 1, wend)
    if _DIGITS.fullmatch(word):
        return Term("number", str(int(word)), negated, "", start, wend, wstart, wend)
    if word.casefold() == OVERDUE:
        return Term(OVERDUE, "", negated, "", start, wend, wstart, wend)
    return Term("word", word, negated, "", start, wend, wstart, wend)


def _field_term(
    name: str,
    value: str,
    quoted: bool,
    negated: bool,
    start: int,
    name_start: int,
    vstart: int,
    vend: int,
) -> Term:
    name_end = name_start + len(name)
    canonical = FIELDS.get(name.lower())
    if canonical is None:
        if name.lower() == OVERDUE:
            raise FilterError(
                "overdue takes no value; write just overdue (or -overdue)", name_start, vend
            )
        guess = _closest(name, [*FIELDS, OVERDUE])
        message = f"Unknown field {name!r}"
        if guess is None:
            message += (
                f"; use one of: {', '.join(sorted(set(FIELDS.values())))} "
                "(quote text with a colon to search for it)"
            )
        raise FilterError(message, name_start, name_end, suggestion=guess)
    if not value.strip():
        if quoted:
            raise FilterError(f"Empty value for {name}:", vstart, vend)
        raise FilterError(f"{name}: needs a value ({_FIELD_EXAMPLES[canonical]})", start, vend)

    def term(canonical_value: str, op: str = "") -> Term:
        return Term(canonical, canonical_value, negated, op, start, vend, vstart, vend)

    def unknown(kind: str, choices: Sequence[str]) -> FilterError:
        guess = _closest(value, choices)
        if guess is not None:
            return FilterError(
                f"Unknown {kind} {value!r}",
                vstart,
                vend,
                suggestion=guess,
                replacement=_value_text(guess),
            )
        return FilterError(
            f"Unknown {kind} {value!r}; use one of: {', '.join(choices)}", vstart, vend
        )

    folded = value.strip().lower()
    if canonical in ("status", "stage"):
        key = re.sub(r"[\s_-]", "", folded)
        if canonical == "stage" and key == _OPEN:
            raise FilterError(
                "'open' is not a stage; status:open keeps every status but closed",
                name_start,
                vend,
                suggestion="status:open",
            )
        known = [*_STATUS_VALUES, _OPEN] if canonical == "status" else list(_STAGE_VALUES)
        if key in known:
            return term(key)
        raise unknown(canonical, known)
    if canonical == "prio":
        key = _PRIORITY_ALIASES.get(folded, folded)
        if key in _PRIORITY_VALUES:
            return term(key)
        raise unknown("priority", list(_PRIORITY_VALUES))
    if canonical == "channel":
        if folded in _CHANNEL_VALUES:
            return term(folded)
        raise unknown("channel", list(_CHANNEL_VALUES))
    if canonical == "amc":
        if folded in _AMC_VALUES:
            return term(folded)
        raise unknown("AMC state", list(_AMC_VALUES))
    if canonical == "has":
        if folded in _HAS_VALUES:
            return term(_HAS_VALUES[folded])
        raise unknown("has: value", sorted(set(_HAS_VALUES.values())))
    if canonical == "mentions":
        if folded == _ME:
            return term(_ME)
        raise FilterError("mentions: takes me (mentions:me)", vstart, vend, suggestion=_ME)
    if canonical == "approval":
        if folded in _APPROVAL_VALUES:
            return term(folded)
        raise unknown("approval: value", list(_APPROVAL_VALUES))
    if canonical in TIME_FIELDS:
        op, _when = _read_time(canonical, value, vstart, vend)
        operand = value.strip()[len(op) :].strip() if op else value.strip()
        if op == "=":
            op = ""
        return term(_canonical_time(operand), op)
    if canonical == "owner" and folded in (_ME, _NONE):
        return term(folded)
    if canonical in ("dept", "account") and folded == _NONE:
        return term(_NONE)
    # owner, team, dept, account by name; contact: email or words of the name.
    return term(" ".join(value.split()))


_FIELD_EXAMPLES: dict[str, str] = {
    "status": "status:new",
    "stage": "stage:scheduled",
    "prio": "prio:high",
    "owner": "owner:me, owner:none, owner:alice",
    "team": "team:billing",
    "dept": 'dept:"Sales EU"',
    "account": 'account:"Acme Ltd"',
    "contact": "contact:bob@example.com",
    "channel": "channel:email",
    "due": "due:<4h",
    "created": "created:>2026-01-01",
    "updated": "updated:<7d",
    "amc": "amc:expired",
    "has": "has:attachment, has:reminder",
    "mentions": "mentions:me",
    "approval": "approval:me, approval:pending",
}


# -- times ----------------------------------------------------------------------------------

_OP = re.compile(r"^(<=|>=|<|>|=)?\s*(.*)$", re.S)
_DURATION = re.compile(
    r"^(\d{1,7})\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|wk|wks|weeks?)$", re.I
)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}")
_UNIT_LETTER = {"m": "m", "h": "h", "d": "d", "w": "w"}
_UNIT_DELTA = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LONGEST = timedelta(days=36500)


@dataclass(frozen=True)
class _When:
    """A time operand: a duration from now, a whole local day, or a moment."""

    delta: timedelta | None = None
    day: date | None = None
    moment: datetime | None = None


def _read_time(name: str, value: str, vstart: int, vend: int) -> tuple[str, _When]:
    matched = _OP.match(value.strip())
    assert matched is not None
    op, operand = matched.group(1) or "", matched.group(2).strip()

    def bad(reason: str) -> FilterError:
        return FilterError(f"{reason}; {_DURATION_FORMS}", vstart, vend)

    if not operand:
        raise bad(f"{name}:{op} needs a time after {op!r}" if op else f"{name}: needs a time")
    duration = _DURATION.match(operand)
    if duration:
        if op in ("", "="):
            raise bad(f"Say whether {name} should be less or more than {operand} ('<' or '>')")
        delta = timedelta(**{_UNIT_DELTA[duration.group(2)[0].lower()]: int(duration.group(1))})
        if delta > _LONGEST:
            raise bad(f"{operand} is too far; at most 100 years")
        return op, _When(delta=delta)
    if _DAY.match(operand):
        try:
            day = date.fromisoformat(operand)
        except ValueError:
            raise bad(f"{operand!r} is not a date") from None
        if day in (date.min, date.max):
            raise bad(f"{operand!r} is out of range")
        return op, _When(day=day)
    if _MOMENT.match(operand):
        try:
            moment = datetime.fromisoformat(operand)
        except ValueError:
            raise bad(f"{operand!r} is not a date and time") from None
        if op in ("", "="):
            raise bad(f"Say whether {name} should be before or after {operand} ('<' or '>')")
        return op, _When(moment=moment)
    raise bad(f"Cannot read {value.strip()!r} as a time for {name}:")


def _canonical_time(operand: str) -> str:
    duration = _DURATION.match(operand)
    if duration:
        return f"{int(duration.group(1))}{_UNIT_LETTER[duration.group(2)[0].lower()]}"
    if _MOMENT.match(operand):
        return datetime.fromisoformat(operand).isoformat(timespec="minutes")
    return operand


# -- names ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """The ids the row names of a filter stand for: (field, folded name) -> ids.

    For ``owner`` and ``team`` the ids are agents (a team's members and lead), for
    ``dept`` departments and for ``account`` accounts.
    """

    ids: Mapping[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)

    def get(self, term: Term) -> tuple[int, ...]:
        """The ids of a named term; ``LookupError`` when it was never resolved."""
        try:
            return self.ids[(term.field, term.value.casefold())]
        except KeyError:
            raise LookupError(
                f"{term.field}:{term.value} was not resolved; call resolve_names first"
            ) from None


_KINDS = {"owner": "agent", "team": "team", "dept": "department", "account": "account"}


def _named_terms(parsed: Filter) -> list[Term]:
    return [
        t
        for t in parsed.terms
        if t.field in NAMED_FIELDS and t.value.casefold() not in _KEYWORDS[t.field]
    ]


_KEYWORDS: dict[str, tuple[str, ...]] = {
    "owner": (_ME, _NONE),
    "team": (),
    "dept": (_NONE,),
    "account": (_NONE,),
}


async def resolve_names(parsed: Filter, session: AsyncSession) -> Names:
    """Look up every row a filter names (owner, team, dept, account), in any case.

    An agent is named by login or display name.  A name that matches nothing raises
    ``FilterError`` at its value, suggesting the closest known name.
    """
    ids: dict[tuple[str, str], tuple[int, ...]] = {}
    for term in _named_terms(parsed):
        key = (term.field, term.value.casefold())
        if key in ids:
            continue
        found, known = await _lookup(session, term.field, term.value)
        if found is None:
            guess = _closest(term.value, known)
            message = f"No {_KINDS[term.field]} named {term.value!r}"
            if guess is None and known and len(known) <= 12:
                message += f"; there are: {', '.join(sorted(known, key=str.casefold))}"
            raise FilterError(
                message,
                term.value_start,
                term.value_end,
                suggestion=guess,
                replacement=None if guess is None else _value_text(guess),
            )
        ids[key] = found
    return Names(ids)


async def _lookup(
    session: AsyncSession, name: str, value: str
) -> tuple[tuple[int, ...] | None, list[str]]:
    """The ids of the rows named ``value`` (compared by casefold, the same on both
    backends), or None and every known name when there is no such row."""
    wanted = value.casefold()
    if name in ("owner", "team"):
        rows = [
            (agent_id, team_id, (username, display))
            for agent_id, team_id, username, display in (
                await session.execute(
                    select(Agent.id, Agent.team_id, Agent.username, Agent.display_name)
                )
            ).all()
        ]
        if name == "owner":
            found = tuple(
                sorted(aid for aid, _team, names in rows if wanted in {n.casefold() for n in names})
            )
            if found:
                return found, []
            return None, sorted({n for _aid, _team, names in rows for n in names})
        teams = (await session.execute(select(Team.id, Team.name, Team.lead_id))).all()
        matched = [(tid, lead) for tid, tname, lead in teams if tname.casefold() == wanted]
        if not matched:
            return None, [tname for _tid, tname, _lead in teams]
        team_ids = {tid for tid, _lead in matched}
        members = {aid for aid, team_id, _names in rows if team_id in team_ids}
        members |= {lead for _tid, lead in matched if lead is not None}
        # A team with no one in it still exists: it matches no ticket.
        return tuple(sorted(members)), []
    model: type[Department] | type[Account] = Department if name == "dept" else Account
    quick = tuple(
        (
            await session.execute(select(model.id).where(func.lower(model.name) == value.lower()))
        ).scalars()
    )
    if quick:
        return tuple(sorted(quick)), []
    # Non-ASCII names: SQLite's lower() folds ASCII only, so compare here.
    every = (await session.execute(select(model.id, model.name))).all()
    found = tuple(sorted(rid for rid, rname in every if rname.casefold() == wanted))
    if found:
        return found, []
    return None, [rname for _rid, rname in every]


# -- compiling ------------------------------------------------------------------------------

#: Builds the condition for one free word or quoted phrase (negation is applied outside).
WordsClause = Callable[[str], ColumnElement[bool]]


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def like_words(term: str) -> ColumnElement[bool]:
    """Tickets whose subject or description holds ``term`` (any case, as a substring).

    Both sides go through the database's ``lower()``, so each backend folds them alike
    (SQLite folds ASCII letters only; full-text search folds every letter).
    """
    pattern = func.lower(literal(_like_pattern(term)))
    return or_(
        func.lower(Ticket.subject).like(pattern, escape="\\"),
        func.lower(Ticket.description).like(pattern, escape="\\"),
    )


@dataclass(frozen=True)
class FilterContext:
    """What a filter's meaning depends on besides its text.

    ``actor_id`` is "me"; ``now`` (aware) anchors ``due:``, ``overdue``, ``updated:<7d``
    and ``amc:expired``; ``zone`` is where a typed day begins (default: this machine's
    local time, like every other time a person types); ``names`` comes from
    ``resolve_names``.
    """

    actor_id: int
    now: datetime
    names: Names = field(default_factory=Names)
    zone: tzinfo | None = None


def _day_start(day: date, zone: tzinfo | None) -> datetime:
    if zone is None:
        return datetime.combine(day, time()).astimezone().astimezone(UTC)
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _moment(moment: datetime, zone: tzinfo | None) -> datetime:
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    if zone is None:
        return moment.astimezone().astimezone(UTC)
    return moment.replace(tzinfo=zone).astimezone(UTC)


def _not_null_in(column: InstrumentedAttribute[int | None], ids: Any) -> ColumnElement[bool]:
    """``column IN ids`` that is never NULL, so that its negation keeps the NULL rows
    (``-owner:alice`` keeps unassigned tickets)."""
    return and_(column.is_not(None), column.in_(ids))


def _time_clause(term: Term, ctx: FilterContext) -> ColumnElement[bool]:
    column = {"due": Ticket.due_at, "created": Ticket.created_at, "updated": Ticket.updated_at}[
        term.field
    ]
    op, when = _read_time(term.field, term.op + term.value, term.value_start, term.value_end)
    if when.delta is not None:
        if term.field == "due":
            # Time left until due: "<4h" is due within 4 hours (not yet overdue).
            bound = ctx.now + when.delta
            if op in ("<", "<="):
                below = column <= bound if op == "<=" else column < bound
                return and_(column >= ctx.now, below)
            return column >= bound if op == ">=" else column > bound
        # Age: "<7d" is less than 7 days ago, ">7d" more than 7 days ago.
        bound = ctx.now - when.delta
        return {
            "<": column > bound,
            "<=": column >= bound,
            ">": column < bound,
            ">=": column <= bound,
        }[op]
    if when.day is not None:
        first = _day_start(when.day, ctx.zone)
        after = _day_start(when.day + timedelta(days=1), ctx.zone)
        return {
            "": and_(column >= first, column < after),
            "<": column < first,
            "<=": column < after,
            ">": column >= after,
            ">=": column >= first,
        }[op]
    assert when.moment is not None
    moment = _moment(when.moment, ctx.zone)
    return {
        "<": column < moment,
        "<=": column <= moment,
        ">": column > moment,
        ">=": column >= moment,
    }[op]


_MAX_NUMBER = 2**31 - 1


def _positive(term: Term, ctx: FilterContext, words: WordsClause) -> ColumnElement[bool]:
    """The condition for a term as if it were not negated (never NULL)."""
    match term.field:
        case "word":
            return words(term.value)
        case "number":
            number = int(term.value)
            return Ticket.number == number if number <= _MAX_NUMBER else false()
        case "overdue":
            return and_(Ticket.status != Status.CLOSED.value, Ticket.due_at < ctx.now)
        case "status":
            if term.value == _OPEN:
                return Ticket.status != Status.CLOSED.value
            return Ticket.status == _STATUS_VALUES[term.value]
        case "stage":
            stage = _STAGE_VALUES[term.value]
            return true() if stage == "All" else Ticket.status == stage
        case "prio":
            return Ticket.priority == _PRIORITY_VALUES[term.value]
        case "channel":
            return Ticket.channel == _CHANNEL_VALUES[term.value]
        case "owner":
            if term.value == _NONE:
                return Ticket.owner_id.is_(None)
            if term.value == _ME:
                return _not_null_in(Ticket.owner_id, [ctx.actor_id])
            return _not_null_in(Ticket.owner_id, list(ctx.names.get(term)))
        case "team":
            return _not_null_in(Ticket.owner_id, list(ctx.names.get(term)))
        case "dept":
            if term.value == _NONE:
                return Ticket.department_id.is_(None)
            return _not_null_in(Ticket.department_id, list(ctx.names.get(term)))
        case "account":
            if term.value == _NONE:
                return Ticket.account_id.is_(None)
            return _not_null_in(Ticket.account_id, list(ctx.names.get(term)))
        case "contact":
            return _not_null_in(Ticket.contact_id, _contacts(term.value))
        case "amc":
            if term.value == AmcState.EXCEPTION.value:
                return Ticket.amc_state == AmcState.EXCEPTION.value
            # The account's contract ended before today (as the AMC gate reads it at
            # intake: the UTC date).
            ended = select(Account.id).where(Account.amc_expires < ctx.now.astimezone(UTC).date())
            expired = _not_null_in(Ticket.account_id, ended)
            return expired if term.value == AmcState.EXPIRED.value else not_(expired)
        case "has":
            if term.value == "reminder":
                return exists().where(
                    Activity.ticket_id == Ticket.id,
                    Activity.done == false(),
                    Activity.reminder_at.is_not(None),
                )
            return exists().where(Attachment.ticket_id == Ticket.id)
        case "mentions":
            return exists().where(
                Message.ticket_id == Ticket.id,
                message_mentions.c.message_id == Message.id,
                message_mentions.c.agent_id == ctx.actor_id,
            )
        case "approval":
            pending = [Approval.ticket_id == Ticket.id, Approval.state == _PENDING]
            if term.value == _ME:
                pending.append(
                    exists().where(
                        approval_approvers.c.approval_id == Approval.id,
                        approval_approvers.c.agent_id == ctx.actor_id,
                    )
                )
            return exists().where(*pending)
        case "due" | "created" | "updated":
            return _time_clause(term, ctx)
    raise ValueError(f"unknown filter field {term.field!r}")


def _contacts(value: str) -> Select[int]:
    """The contacts a ``contact:`` value names: an email exactly, else every word found
    in the name or the email."""
    if looks_like_email(value):
        return select(Contact.id).where(func.lower(Contact.email) == value.lower())
    conditions = [
        or_(
            func.lower(Contact.name).like(func.lower(literal(_like_pattern(w))), escape="\\"),
            func.lower(Contact.email).like(func.lower(literal(_like_pattern(w))), escape="\\"),
        )
        for w in value.split()
    ]
    return select(Contact.id).where(*conditions)


def compile_filter(
    parsed: Filter, ctx: FilterContext, *, words: WordsClause = like_words
) -> ColumnElement[bool]:
    """The condition on ``tickets`` that keeps what the filter matches.

    AND it with a view's clause (it never widens the scope).  ``words`` builds the
    condition for one free word or phrase: ``like_words`` by default, or for example
    ``functools.partial(console.data.search.term_clause, sqlite=db.is_sqlite)``.  Names
    must have been resolved into ``ctx.names`` (``resolve_names``).
    """
    clauses = []
    for term in parsed.terms:
        clause = _positive(term, ctx, words)
        clauses.append(not_(clause) if term.negated else clause)
    if not clauses:
        return true()
    return and_(*clauses)


async def build_filter(
    text: str | Filter,
    db: Database,
    actor_id: int,
    *,
    now: datetime | None = None,
    zone: tzinfo | None = None,
    words: WordsClause = like_words,
) -> ColumnElement[bool]:
    """Parse (unless given a ``Filter``), resolve names and compile, in one call.

    Raises ``FilterError`` (a ``BadValue``) for a filter that cannot be read or names
    something unknown.
    """
    parsed = parse_filter(text) if isinstance(text, str) else text
    names = Names()
    if _named_terms(parsed):
        async with db.read() as session:
            names = await resolve_names(parsed, session)
    ctx = FilterContext(actor_id, now or datetime.now(UTC), names, zone)
    return compile_filter(parsed, ctx, words=words)


def search_words(db: Database) -> WordsClause:
    """Free words as search reads them: found in the subject, the description or the
    conversation (the full-text index), or in the name or email of the ticket's contact."""
    from console.data.search import term_clause

    def words(term: str) -> ColumnElement[bool]:
        return or_(term_clause(term, sqlite=db.is_sqlite), Ticket.contact_id.in_(_contacts(term)))

    return words
