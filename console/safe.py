"""Untrusted text (subjects, bodies, names from customers' email) made safe to show.

Every display path passes ticket text through ``clean`` and shows it as ``Text`` or
``Content``, never as markup: control characters, escape sequences, bidi overrides and
zero-width characters become visible markers, so nothing reaches the terminal raw.
"""

from __future__ import annotations

import re

from rich.text import Text

# C0 controls except tab and newline, DEL, C1 controls, bidi controls and zero-width
# characters: each becomes a visible marker.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _marker(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␀ for NUL ...
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def clean(text: str | None, *, single_line: bool = False, limit: int | None = None) -> str:
    """``text`` with every unsafe character made visible; optionally one line, capped."""
    if not text:
        return ""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    if single_line:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _UNSAFE.sub(_marker, text)


def safe_text(text: str | None, style: str = "", *, single_line: bool = False) -> Text:
    """A Rich ``Text`` of untrusted text: never parsed as markup."""
    return Text(clean(text, single_line=single_line), style=style, no_wrap=single_line)
