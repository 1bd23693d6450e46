"""A reply's send key to "mail queued" on screen, beside the other actions of a form.

In the real console (a pseudo-terminal, 160 x 50, the demo's lead, a mail server in the
config that nobody answers: the mail stays queued), on a copy of the 1M demo: ``r`` opens
the reply form, a line is typed, and ``ctrl+s`` is timed until the notice
"Replied to #N: mail queued." is drawn.  The same is done for an internal comment (``m``,
"Commented on #N."), which writes no mail: "Mail out" asks that a reply's key press to
"queued" on screen stays within the budgets of the other actions, so the reply's p95 must
stay within one frame (16.7 ms) of the comment's, measured in the same run.

    python -m benchmarks.reply [--tickets 1000000] [--presses 12]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.databases import WORKDIR, sqlite_demo, sqlite_url
from benchmarks.keys import FRAME_BUDGET_MS, Press, press
from benchmarks.mail_import import fresh_copy
from benchmarks.pty_run import Frame, Terminal
from benchmarks.report import percentile
from benchmarks.screen import console_argv, environment, plain, shows_queue, wait_painted

CTRL_S = b"\x13"
#: How long a notice stays (Textual's default): the next send waits it out, so that only
#: its own notice can end its timing.
NOTICE_SECONDS = 5.0
#: A mail server on a port nobody listens on: every reply's mail is queued and stays so.
CONFIG = '[smtp]\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\nfrom = "desk@bench.example"\n'


def _shows(text: bytes) -> Callable[[Frame], bool]:
    return lambda frame: text in plain(frame.data)


def send_times(term: Terminal, key: bytes, form: bytes, done: bytes, presses: int) -> list[Press]:
    """``presses`` times: open the form with ``key``, type a line, time ``ctrl+s`` until
    ``done`` is drawn."""
    found = []
    for i in range(presses):
        press(term, key, _shows(form), quiet=0.3)
        term.send(f"Looked at it, step {i}.".encode())
        term.settle(0.3)
        found.append(press(term, CTRL_S, _shows(done), quiet=0.5))
        time.sleep(NOTICE_SECONDS)
        term.settle(0.5)
    return found


def line(title: str, presses: Sequence[Press]) -> tuple[str, float]:
    values = [p.latency * 1000 for p in presses]
    p50, p95 = percentile(values, 50), percentile(values, 95)
    return f"{title:<44} p95 {p95:6.1f} ms (p50 {p50:.1f}, max {max(values):.1f})", p95


def run(args: argparse.Namespace) -> int:
    work = args.workdir.expanduser().resolve()
    work.mkdir(parents=True, exist_ok=True)
    demo = asyncio.run(sqlite_demo(work, args.tickets))
    copy = fresh_copy(demo.path, work / "reply-copy.db")
    config = work / "reply-config.toml"
    config.write_text(CONFIG)
    env = environment(work) | {"AGENT_CONSOLE_CONFIG": str(config)}
    term = Terminal(
        console_argv(sqlite_url(copy), demo.agent),
        cols=160,
        rows=50,
        env=env,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    try:
        wait_painted(term, shows_queue, timeout=120)
        term.settle(0.5)
        comments = send_times(term, b"m", b"Internal comment", b"Commented on #", args.presses)
        replies = send_times(term, b"r", b"Public reply", b": mail queued.", args.presses)
    finally:
        term.close()
    comment_text, comment_p95 = line('comment: ctrl+s to "Commented on #N."', comments)
    reply_text, reply_p95 = line('reply: ctrl+s to "Replied to #N: mail queued."', replies)
    holds = reply_p95 <= comment_p95 + FRAME_BUDGET_MS
    print(comment_text)
    print(reply_text)
    print(
        f"(reply p95 - comment p95 = {reply_p95 - comment_p95:+.1f} ms; budget <= "
        f"{FRAME_BUDGET_MS} ms: {'ok' if holds else 'OVER'}; {args.tickets:,} demo tickets, "
        f"SQLite, {args.presses} of each)"
    )
    return 0 if holds else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reply")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--presses", type=int, default=12)
    parser.add_argument("--workdir", type=Path, default=WORKDIR)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
