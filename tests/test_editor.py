"""``ctrl+e`` in a text field: your own editor (a scripted ``$EDITOR`` here) gets the
text, and the field takes back what was saved; an editor that fails changes nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from console.screens.form import FormScreen
from tests.conftest import Desk
from tests.test_console import console_as, goto, notices, queue_desk, settle, start

pytestmark = [
    pytest.mark.usefixtures("login_root"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def login_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "root")


def scripted_editor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, *, exit_code: int = 0
) -> Path:
    """An editor that records what it was given and runs ``body`` on the file's text
    (``text``), writing the result back; it then exits with ``exit_code``."""
    seen = tmp_path / "seen.txt"
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "text = path.read_text('utf-8')\n"
        f"pathlib.Path({str(seen)!r}).write_text(text, 'utf-8')\n"
        f"{body}\n"
        "path.write_text(text, 'utf-8')\n"
        f"sys.exit({exit_code})\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    return seen


async def open_reply(pilot: Pilot[None], number: int) -> None:
    """The reply form of a ticket, from the queue."""
    await start(pilot.app, pilot)  # type: ignore[arg-type]
    await goto(pilot, number)
    await pilot.press("r")
    await settle(pilot)


async def test_reply_written_in_the_editor_is_sent(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = scripted_editor(
        tmp_path, monkeypatch, "text = text.rstrip('\\n') + '\\n\\nSecond paragraph.\\n'"
    )
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await open_reply(pilot, numbers[0])
        await pilot.press(*"Dear Pat,")
        await pilot.press("ctrl+e")
        await settle(pilot)
        area = app.screen.query_one("#field-body", TextArea)
        assert seen.read_text() == "Dear Pat,\n"
        assert area.text == "Dear Pat,\n\nSecond paragraph."
        await pilot.press(*" Thanks")  # the cursor is at the end of the text
        await pilot.press("ctrl+s")
        await settle(pilot)
    detail = await desk.service("alice").queries.detail(numbers[0])
    assert [m.body for m in detail.messages] == ["Dear Pat,\n\nSecond paragraph. Thanks"]


async def test_an_editor_that_fails_changes_nothing(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted_editor(tmp_path, monkeypatch, "text = 'garbage'", exit_code=3)
    numbers = await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await open_reply(pilot, numbers[0])
        await pilot.press(*"Kept as typed")
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#field-body", TextArea).text == "Kept as typed"
        assert "The editor exited with 3; the text is unchanged." in notices(app)


async def test_one_line_fields_and_no_editor_set(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted_editor(tmp_path, monkeypatch, "text = 'printer\\n  toner\\n'")
    await queue_desk(desk)
    app = console_as(desk, "alice")
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("slash")
        await pilot.press(*"prin")
        await pilot.press("ctrl+e")
        await settle(pilot)
        search = app.screen.query_one("#search-input", Input)
        assert search.value == "printer toner"  # lines joined: a one-line field

        monkeypatch.delenv("EDITOR")
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert search.value == "printer toner"
        assert "Set $VISUAL or $EDITOR to write in your own editor." in notices(app)
