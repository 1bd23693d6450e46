"""Nothing raw reaches a terminal or a script: every class of control, bidi and invisible
code point is made visible by ``console.safe.clean``, on every display path.

The display paths, and where each is proved:
- queue rows, the header, the detail and its tabs, forms prefilled with the ticket's text,
  the pager, notices and the palette: ``tests/test_hostile_pty.py`` (the real console in a
  pseudo-terminal, whose ``HOSTILE`` texts hold one code point of every class below);
- the contact completion in the new-ticket form, and the fields it fills: here (Pilot);
- the command line's text and its JSON: here;
- help shows no ticket text (only the key map's words), so it has nothing to clean.
"""

from __future__ import annotations

import json
import tomllib
import unicodedata
from pathlib import Path

import pytest
from textual.widgets import Input

from console.config import SavedView, append_view
from console.safe import UNSAFE_CLASSES, clean, json_text
from console.screens.form import FormScreen
from tests.conftest import Desk
from tests.test_cli import CLI, cli, create
from tests.test_console import console_as, settle, sqlite_only, start

__all__ = ["cli"]  # the fixture, shared with the other command-line tests

#: One code point of each class ``clean`` makes visible (the issue's list first).
EXAMPLES = {
    "C0 control (ESC)": "\x1b",
    "DEL": "\x7f",
    "C1 control (CSI)": "\x9b",
    "Arabic letter mark": "\u061c",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
    "soft hyphen": "\u00ad",
    "Mongolian vowel separator": "\u180e",
    "variation selector 1": "\ufe00",
    "variation selector 16": "\ufe0f",
    "language tag": "\U000e0001",
    "tag letter": "\U000e0041",
    "cancel tag": "\U000e007f",
    "Hangul choseong filler": "\u115f",
    "Hangul jungseong filler": "\u1160",
    "Hangul filler": "\u3164",
    "halfwidth Hangul filler": "\uffa0",
    "right-to-left override": "\u202e",
    "right-to-left isolate": "\u2067",
    "zero width space": "\u200b",
    "zero width joiner": "\u200d",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "combining grapheme joiner": "\u034f",
    "Khmer inherent vowel": "\u17b4",
    "Arabic number sign": "\u0600",
    "interlinear annotation": "\ufff9",
    "shorthand format control": "\U0001bca0",
    "musical format character": "\U0001d173",
    "variation selector 17": "\U000e0100",
    "surrogate (an undecodable byte)": "\udc9b",
}

#: Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt): invisible even where
#: its category is a letter's (the Hangul fillers) or a mark's (the variation selectors).
DEFAULT_IGNORABLE = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
]  # fmt: skip

#: One text with every example a database can store (not a lone surrogate), as a
#: customer's email could carry it.
ALL = "start " + " ".join(c for c in EXAMPLES.values() if not 0xD800 <= ord(c) < 0xE000) + " end"


def raw_in(text: str) -> list[str]:
    """The examples that ``text`` carries raw."""
    return [name for name, char in EXAMPLES.items() if char in text]


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_class_is_shown_as_a_visible_marker(name: str) -> None:
    char = EXAMPLES[name]
    shown = clean(f"a{char}b")
    assert char not in shown
    assert shown.startswith("a") and shown.endswith("b") and len(shown) >= 3
    assert shown.isprintable()


def test_every_control_format_separator_and_ignorable_code_point_is_covered() -> None:
    kinds = {"Cc", "Cf", "Cs", "Zl", "Zp"}
    unsafe = [c for c in range(0x110000) if unicodedata.category(chr(c)) in kinds]
    unsafe += [c for low, high in DEFAULT_IGNORABLE for c in range(low, high + 1)]
    left = [f"U+{c:04X}" for c in unsafe if chr(c) not in "\t\n" and clean(chr(c)) == chr(c)]
    assert left == []
    assert clean("tab\tand\nnewline") == "tab\tand\nnewline"
    assert clean("Café 東京 😀 ✓") == "Café 東京 😀 ✓"  # printable text stays as it is
    assert len(UNSAFE_CLASSES) >= 20


def test_json_is_ascii_and_reads_back_exactly() -> None:
    written = json_text({"subject": ALL, "name": "Zoë 😀"})
    assert written.isascii()
    assert all(c.isprintable() for c in written.replace("\n", ""))
    assert json.loads(written) == {"subject": ALL, "name": "Zoë 😀"}


def test_the_command_line_shows_text_clean_and_json_ascii(cli: CLI) -> None:
    number = create(cli, subject=ALL, description=ALL)
    assert cli("ticket", "reply", str(number), "--body", ALL, login="alice")[0] == 0
    for argv in (("ticket", "show", str(number)), ("ticket", "list")):
        code, out, err = cli(*argv, login="alice")
        assert code == 0, err
        assert "start" in out and "<U+202E>" in out and "␛" in out
        assert raw_in(out) == []
        code, out, err = cli(*argv, "--json", login="alice")
        assert code == 0, err
        assert out.isascii() and raw_in(out) == []
    data = cli.json("ticket", "show", str(number), login="alice")
    assert isinstance(data, dict)
    assert data["subject"] == ALL and data["description"] == ALL  # exactly what was stored
    assert data["messages"][-1]["body"] == ALL


@sqlite_only
async def test_contact_completion_and_what_it_fills_are_clean(desk: Desk) -> None:
    await desk.ticket("alice", contact_name="Pat " + ALL, contact_phone="+1 " + ALL)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press(*"Subject", "tab", *"Pat s")
        await settle(pilot, 0.3)
        name = app.screen.query_one("#field-contact_name", Input)
        assert name._suggestion.startswith("Pat start")
        assert raw_in(name._suggestion) == []
        await pilot.press("right")  # accept the completion
        await settle(pilot)
        assert name.value == clean("Pat " + ALL, single_line=True)
        phone = app.screen.query_one("#field-contact_phone", Input).value
        assert phone.startswith("+1 start") and raw_in(phone) == []


def test_a_saved_view_is_written_as_toml_without_raw_controls(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    view = SavedView('Zoë "VIP" \\ 😀\x1b[2J', "prio:high", "due", ("number", "subject"))
    append_view(view, path)
    written = path.read_text(encoding="utf-8")
    assert "\x1b" not in written and "😀" in written  # controls escaped, the rest as typed
    table = tomllib.loads(written)["views"][0]
    assert table == {
        "name": view.name,
        "filter": "prio:high",
        "sort": "due",
        "columns": ["number", "subject"],
    }
