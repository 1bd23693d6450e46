"""The real console in a pseudo-terminal, on tickets whose every text field is hostile:
open each ticket, each tab, each form that shows or offers the ticket's text, the
conversation pager and the palette, and scan every byte written to the terminal.

The display paths this covers: queue rows; the header; the detail's fields and its seven
tabs (conversation, history, approvals, resolution, activities, time log, attachments);
the edit form's inputs and text area prefilled with the subject, category, product and
description; the resolution text area; the choices of activities, approvals and
attachments (select lists); the pager; notices; the command palette."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from datetime import date
from pathlib import Path

import pytest

from console.data.db import make_engine
from console.data.directory import Directory, resolve_actor
from console.data.schema import ensure_schema
from console.data.tickets import TicketService

OSC52 = "\x1b]52;c;aGFja2Vk\x07"
OSC0 = "\x1b]0;pwned-title\x07"
OSC8 = "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"
CLEAR = "\x1b[2J\x1b[31mRED"
CSI8 = "\x9b" + "6n"
#: The invisible and bidi code points beyond the C0/C1 controls and the bidi overrides.
INVISIBLE_CHARS = (
    "\u061c\u2028\u2029\u00ad\u180e\ufe00\ufe0f\U000e0001\U000e0041\U000e007f"
    "\u115f\u1160\u3164\uffa0\u034f\u206a\ufff9\U000e0100"
)
INVISIBLE = "hidden " + " ".join(INVISIBLE_CHARS) + " text"
HOSTILE = [
    "Order [/] broken",
    "[@click=app.quit]x[/]",
    "[link=file:///etc/passwd]x[/link]",
    "[/",
    "[b +",
    "trailing backslash \\",
    OSC52,
    OSC0,
    OSC8,
    CLEAR,
    CSI8,
    "nul\x00byte",
    "rtl \u202eevil\u202c",
    "zero\u200bwidth\u2066isolate\u2069",
    # Every other class ``console.safe`` makes visible (tests/test_safe_text.py lists them).
    INVISIBLE,
]

#: Byte strings that must never reach the terminal.
FORBIDDEN = [
    b"\x1b]52",
    b"pwned-title\x07",
    b"\x1b]0;pwned",
    b"\x1b]8;;https://evil",
    b"\x1b[2J\x1b[31mRED",
    b"\xc2\x9b",  # the 8-bit CSI, as UTF-8
    b"\x9b6n",
    b"\x00",
    "\u202e".encode(),
    "\u200b".encode(),
    "\u2066".encode(),
    *(char.encode() for char in INVISIBLE_CHARS),
]


#: Keys of the full-screen ticket that open forms or pages showing ticket text, and the
#: titles that prove each opened.
FORM_KEYS = ("e", "w", "d", "D", "O", "x")
FORM_TITLES = (
    b"Edit #",
    b"Resolution of #",
    b"Mark an activity of #",
    b"Decide an approval on #",
    b"Save an attachment of #",
    b"page 1 of",
)


async def _seed(path: Path) -> list[int]:
    db = make_engine(path)
    await ensure_schema(db)
    admin = await resolve_actor(db, login="root")
    directory = Directory(db, admin)
    await directory.add_department("Billing")
    await directory.add_agent("lena", role="lead", team="Billing", departments=["Billing"])
    as_lena = TicketService(db, await resolve_actor(db, login="lena"))
    service = TicketService(db, admin)
    numbers = []
    for index, text in enumerate(HOSTILE):
        account = f"{text} Ltd {index}"
        await directory.add_account(account, coordinator="root", amc_expires=date(2030, 1, 1))
        record = await service.create(
            subject=text,
            description=f"{text}\n{text}",
            contact_name=f"{text} person",
            contact_email=f"c{index}@evil.example",
            contact_phone=text,
            account=account,
            department="Billing",
            category=text,
            product=text,
        )
        n = record.number
        numbers.append(n)
        await service.pick_up(n)
        await service.reply(n, text)
        if "@" not in text:  # "[@click=…]" reads as a mention of an unknown agent
            await service.comment(n, f"@lena {text}")
        await service.note(n, text)
        await service.add_activity(n, text, kind="call")
        await service.log_time(n, 5, note=text)
        # lena asks root (who runs the console): the decide form opens on root's screen,
        # and nobody decides their own request.
        await as_lena.request_approval(n, ["root"], text, details=text)
        await service.attach_bytes(n, f"{text}.txt", text.encode("utf-8", "replace"))
        await service.set_resolution(n, text)
    await db.dispose()
    return numbers


class Terminal:
    """The console running in a pseudo-terminal of a given size."""

    def __init__(self, argv: list[str], env: dict[str, str], cols: int, rows: int) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        self.output = bytearray()

    def pump(self, seconds: float) -> None:
        """Collect everything written for a while."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.output.extend(chunk)

    def wait_for(self, text: bytes, seconds: float = 20) -> None:
        end = time.monotonic() + seconds
        while text not in self.output and time.monotonic() < end:
            self.pump(0.1)
        assert text in self.output, f"never saw {text!r}"

    def exited(self, within: float) -> bool:
        """Whether the console ends within ``within`` seconds (reading what it writes)."""
        end = time.monotonic() + within
        while self.proc.poll() is None and time.monotonic() < end:
            self.pump(0.1)
        return self.proc.poll() is not None

    def act(
        self, keys: str, quiet: float = 0.1, most: float = 20, expect: bytes | None = None
    ) -> None:
        """Type ``keys``, wait for the console to draw what they do (``expect`` in what it
        writes, else up to 3 s for it to start drawing), then collect output until it has
        been quiet for ``quiet`` seconds, or ``most`` seconds pass.  Quiet allows a few
        bytes: a blinking cursor redraws one cell twice a second.  Keys are handled in
        order; the wait for the drawing keeps ESC and the next key apart (written at
        once they are one key, alt+key)."""
        start = len(self.output)
        os.write(self.master, keys.encode())
        if expect is not None:
            end = time.monotonic() + most
            while expect not in self.output[start:] and time.monotonic() < end:
                self.pump(0.05)
            assert expect in self.output[start:], f"never saw {expect!r}:\n{self.tail()}"
        # ESC must be seen handled before the next key is written (else the two are one
        # key, alt+key): each ESC here closes something, which draws, so wait for that
        # drawing however long a busy machine takes.
        lone_escape = keys == "\x1b"
        began = time.monotonic() + (most if lone_escape else 3)
        while len(self.output) - start < 200 and time.monotonic() < began:
            self.pump(0.05)
        if lone_escape:
            assert len(self.output) - start >= 200, f"esc drew nothing:\n{self.tail()}"
        end = time.monotonic() + most
        while time.monotonic() < end:
            before = len(self.output)
            self.pump(quiet)
            if len(self.output) - before < 200 or self.proc.poll() is not None:
                return

    def tail(self, size: int = 4000) -> str:
        """The end of what was written, without escape sequences (for a failure's message)."""
        text = bytes(self.output[-size:]).decode("utf-8", "replace")
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]", "", text)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        os.close(self.master)


@pytest.mark.slow
def test_hostile_text_never_reaches_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "hostile.db"
    numbers = asyncio.run(_seed(path))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "NO_COLOR"))} | {
        "TERM": "xterm-256color",
        "LOGNAME": "root",
        "TZ": "UTC",
        "AGENT_CONSOLE_CONFIG": str(tmp_path / "none.toml"),
    }
    term = Terminal([sys.executable, "-m", "console", "--db", str(path)], env, 120, 40)
    try:
        term.wait_for(b"agent-console")
        term.wait_for(b"#")
        term.pump(1.5)
        for _ in numbers:
            term.act("\r")  # open the ticket (full screen at 120 columns)
            term.act(">" * 6 + "G")  # through every tab to the bottom of the last one
            # Forms prefilled with, or choosing among, the ticket's own text: edit (inputs
            # and the description), the resolution, activities, approvals, attachments;
            # then the whole-conversation pager.  Each form key waits for the form's
            # title to be drawn, so a slow machine cannot have an esc arrive before the
            # form it was meant to close.
            for key, title in zip(FORM_KEYS, FORM_TITLES, strict=True):
                term.act(key, expect=title)
                term.act("\x1b")
            # Back to the queue, then down to the next ticket: two keystrokes.  Written
            # at once, ESC and j are one key, alt+j (how a terminal sends meta-j), and the
            # console stays on the ticket.
            term.act("\x1b")
            term.act("j")
        term.act("\x10")  # ctrl+p: the palette lists the agents and actions
        term.act("assign")
        term.act("\x1b")
        assert term.proc.poll() is None, "the console stopped while showing hostile text"
        term.act("q")  # quits from the queue (on a ticket, q goes back to the queue)
        assert term.exited(within=30), f"the console did not quit on q:\n{term.tail()}"
        assert term.proc.returncode == 0
    finally:
        term.close()
    written = bytes(term.output)
    assert len(written) > 20_000  # it really drew the tickets
    for forbidden in FORBIDDEN:
        assert forbidden not in written, f"{forbidden!r} reached the terminal"
    # What was injected is shown, made visible: ESC as ␛ and markup as plain text.
    assert "␛]52;c;aGFja2Vk␇".encode() in written
    assert b"[@click=app.quit]x[/]" in written
    # Every form really opened (its title was drawn) at least once.
    for title in FORM_TITLES:
        assert title in written, f"the form {title!r} never opened"
