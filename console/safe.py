"""Untrusted text (subjects, bodies, names from customers' email) made safe to show.

Every display path passes ticket text through ``clean`` and shows it as ``Text`` or
``Content``, never as markup: control characters, escape sequences, bidi controls,
line and paragraph separators, and every invisible character (format characters,
variation selectors, tags, the Hangul fillers) become visible markers, so nothing
reaches the terminal raw and nothing hides.  ``json_text`` is the one way JSON is
written for a person's terminal or a script: escaped to ASCII, so no raw control,
C1 (0x9B is CSI) or bidi character reaches a terminal through it either.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.text import Text

#: The classes of code point ``clean`` makes visible, each as a regex range (the test
#: walks the Unicode database to check that every Cc, Cf, Cs, Zl and Zp code point and
#: every default-ignorable one is in one of them).
UNSAFE_CLASSES: dict[str, str] = {
    "C0 controls (but tab and newline)": "\x00-\x08\x0b-\x1f",
    "DEL and the C1 controls": "\x7f-\x9f",
    "soft hyphen": "\u00ad",
    "combining grapheme joiner": "\u034f",
    "Arabic format characters and the Arabic letter mark": "\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890-\u0891\u08e2",
    "Hangul fillers": "\u115f\u1160\u3164\uffa0",
    "Khmer inherent vowels": "\u17b4\u17b5",
    "Mongolian variation selectors and vowel separator": "\u180b-\u180f",
    "zero-width characters and bidi marks": "\u200b-\u200f",
    "line and paragraph separators": "\u2028\u2029",
    "bidi embeddings and overrides": "\u202a-\u202e",
    "invisible operators, bidi isolates and deprecated format characters": "\u2060-\u206f",
    "surrogates (undecodable bytes)": "\ud800-\udfff",
    "variation selectors": "\ufe00-\ufe0f",
    "byte order mark": "\ufeff",
    "interlinear annotation (and the unassigned ignorables before it)": "\ufff0-\ufffb",
    "Kaithi number signs": "\U000110bd\U000110cd",
    "Egyptian hieroglyph format characters": "\U00013430-\U0001343f",
    "shorthand format controls": "\U0001bca0-\U0001bca3",
    "musical symbol format characters": "\U0001d173-\U0001d17a",
    "tags and variation selectors supplement": "\U000e0000-\U000e0fff",
}

_UNSAFE = re.compile("[" + "".join(UNSAFE_CLASSES.values()) + "]")


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


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON in plain ASCII: every character beyond it written as ``\\uXXXX``,
    so a script reads the text exactly while a terminal shows only printable ASCII."""
    return json.dumps(value, indent=indent, ensure_ascii=True)


#: Terminal control sequences a paste may carry: CSI (colours, cursor moves), OSC (titles,
#: links, the clipboard) ended by BEL or ST, and the two-character escapes.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]"
)
#: Control characters left after the sequences (a lone ESC among them); tab and newline stay.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def pasted(text: str) -> str:
    """A paste as text to keep: in its order, without control sequences or characters
    (``Plain \\e[31mred\\e[0m tail`` -> ``Plain red tail``); line ends become newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))
