"""The console while the worker works: cursor down (``j``) in the real console (a
pseudo-terminal, 160 x 50, the demo's lead) on the demo database, timed as figure 2 times
it, while another process does the desk's mail:

* the worker (``agent-console worker --once``) imports 10,000 mails from a Maildir (the
  mail benchmark's mix: a third replies, a tenth automatic): "Mail in" asks for a cursor
  p95 <= 16.7 ms meanwhile;
* the worker sends 1,000 queued replies through the outbox to an SMTP server on a
  loopback port (``aiosmtpd``): "Mail out" asks the same.

The console runs in a terminal (a session) of its own, as over SSH; the worker is started
in the benchmark's session, as at an administrator's terminal, so that it runs its work in
a session of its own (``console.priority``): without that, its nice 10 did not count against
the console's session, and the cursor p95 while it imported was 53-110 ms.

The same console's p95 with nothing else running is taken first, in the same run, as the
reference.  Each mail pass must finish while keys are pressed (the figures say how many
were); the worker's own rate is printed beside them.  The import runs on a copy of the
cached demo database, so the demo stays as it was.

    python -m benchmarks.busy [--tickets 1000000] [--messages 10000] [--replies 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import mailbox
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import select

from benchmarks.databases import WORKDIR, sqlite_demo, sqlite_url
from benchmarks.keys import DOWN, FRAME_BUDGET_MS, Press, _last_cursor, _moved, press
from benchmarks.mail_import import fresh_copy, write_mbox
from benchmarks.mail_out import Sink
from benchmarks.pty_run import Terminal
from benchmarks.report import percentile
from benchmarks.screen import environment, open_console
from console.data.db import make_engine
from console.data.directory import resolve_actor
from console.data.models import Contact, Ticket
from console.data.outbox import MailSetup
from console.data.tickets import TicketService

#: The department the benchmark's mailbox delivers to (one of the demo's).
DEPARTMENT = "Billing"


def write_maildir(folder: Path, mbox: Path) -> int:
    """The mbox's mails as a Maildir's new mail (what the worker reads)."""
    box = mailbox.Maildir(folder, create=True)
    source = mailbox.mbox(mbox)
    count = 0
    try:
        for message in source:
            box.add(message.as_bytes())
            count += 1
    finally:
        source.close()
    return count


async def queue_replies(url: str, agent: str, replies: int) -> None:
    """``replies`` replies by the lead on open tickets of theirs whose contact has an
    address, each in its own transaction as the console makes them: queued in the
    outbox for the worker to send."""
    db = make_engine(url)
    try:
        actor = await resolve_actor(db, agent, login="benchmark-nobody")
        setup = MailSetup(configured=True, sender="desk@support.example.com", domain="bench")
        service = TicketService(db, actor, mail=setup)
        async with db.read() as session:
            numbers = list(
                (
                    await session.execute(
                        select(Ticket.number)
                        .join(Contact, Contact.id == Ticket.contact_id)
                        .where(Ticket.owner_id == actor.id, Ticket.status != "Closed")
                        .where(Contact.email.is_not(None))
                        .order_by(Ticket.number)
                        .limit(50)
                    )
                ).scalars()
            )
        if not numbers:
            raise RuntimeError(f"{agent} owns no open ticket with a contact's address")
        for i in range(replies):
            await service.reply(numbers[i % len(numbers)], f"Answer {i}: please try again.\n" * 3)
    finally:
        await db.dispose()


def presses_while(term: Terminal, worker: subprocess.Popen[bytes]) -> list[Press]:
    """Cursor presses, one after another, for as long as the worker runs."""
    found = []
    while worker.poll() is None:
        found.append(press(term, DOWN, _moved(_last_cursor(term)), detail_follows=True))
    return found


def start_worker(url: str, workdir: Path, config: str, name: str) -> subprocess.Popen[bytes]:
    path = workdir / f"busy-{name}.toml"
    path.write_text(config)
    env = environment(workdir) | {"AGENT_CONSOLE_CONFIG": str(path)}
    argv = [sys.executable, "-m", "console", "--db", url, "worker", "--once", "--json"]
    # Its report goes to files (a pipe nobody reads until it ends would fill and stop it).
    out_path, err_path = workdir / f"busy-{name}.out", workdir / f"busy-{name}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        return subprocess.Popen(
            argv, env=env, stdout=out, stderr=err, cwd=str(Path(__file__).resolve().parent.parent)
        )


def finished(worker: subprocess.Popen[bytes], workdir: Path, what: str) -> dict[str, object]:
    worker.wait(timeout=600)
    if worker.returncode != 0:
        err = (workdir / f"busy-{what}.err").read_text(errors="replace")
        raise RuntimeError(f"the worker ({what}) failed: {err[-800:]}")
    found = json.loads((workdir / f"busy-{what}.out").read_bytes())
    assert isinstance(found, dict)
    return found


def line(title: str, presses: Sequence[Press], extra: str = "") -> tuple[str, float]:
    values = [p.latency * 1000 for p in presses]
    p50, p95 = percentile(values, 50), percentile(values, 95)
    verdict = "ok" if p95 <= FRAME_BUDGET_MS else "OVER"
    text = (
        f"{title:<34} cursor p95 {p95:6.1f} ms (p50 {p50:.1f}, max {max(values):.1f}, "
        f"{len(values)} presses; budget p95 <= {FRAME_BUDGET_MS} ms: {verdict}){extra}"
    )
    return text, p95


async def prepare(args: argparse.Namespace, work: Path) -> tuple[str, str, Path]:
    demo = await sqlite_demo(work, args.tickets)
    copy = fresh_copy(demo.path, work / "busy-copy.db")
    url = sqlite_url(copy)
    mbox = work / f"mail-{args.messages}.mbox"
    write_mbox(mbox, args.messages)
    maildir = work / "busy-maildir"
    if maildir.exists():
        for sub in ("new", "cur", "tmp"):
            for file in (maildir / sub).glob("*"):
                file.unlink()
    write_maildir(maildir, mbox)
    await queue_replies(url, demo.agent, args.replies)
    return url, demo.agent, maildir


def run(args: argparse.Namespace) -> int:
    work = args.workdir.expanduser().resolve()
    work.mkdir(parents=True, exist_ok=True)
    url, agent, maildir = asyncio.run(prepare(args, work))
    quiet_config = "[auto_close]\ndays = -1\n"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    term = open_console(url, agent, work, cols=160, rows=50)
    lines: list[str] = []
    failed = False
    try:
        reference = [
            press(term, DOWN, _moved(_last_cursor(term)), detail_follows=True)
            for _ in range(args.presses)
        ]
        text, _ = line("nothing else running (reference)", reference)
        lines.append(text)

        began = time.perf_counter()
        worker = start_worker(
            url,
            work,
            quiet_config + f'[[mailboxes]]\ndepartment = "{DEPARTMENT}"\nmaildir = "{maildir}"\n',
            "import",
        )
        during = presses_while(term, worker)
        took = time.perf_counter() - began
        report = finished(worker, work, "import")
        boxes = report.get("mailboxes")
        assert isinstance(boxes, list)
        read = sum(len(b.get("created", [])) + len(b.get("threaded", [])) for b in boxes)
        text, p95 = line(
            f"while the worker imports {args.messages:,} mails",
            during,
            f"; {args.messages / took:,.0f} mails/s ({read:,} tickets made or joined)",
        )
        lines.append(text)
        failed |= p95 > FRAME_BUDGET_MS

        began = time.perf_counter()
        smtp = f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        worker = start_worker(url, work, quiet_config + smtp, "send")
        during = presses_while(term, worker)
        took = time.perf_counter() - began
        report = finished(worker, work, "send")
        text, p95 = line(
            f"while the worker sends {args.replies:,} replies",
            during,
            f"; {sink.count:,} received at {sink.count / took:,.0f} mails/s "
            f"(worker: sent {report.get('sent')}, failed {report.get('failed')})",
        )
        lines.append(text)
        failed |= p95 > FRAME_BUDGET_MS or sink.count < args.replies
    finally:
        term.close()
        controller.stop()
    for text in lines:
        print(text)
    print(f"({args.tickets:,} demo tickets, SQLite; the console and the worker share 2 cores)")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.busy")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--presses", type=int, default=100, help="for the reference")
    parser.add_argument("--workdir", type=Path, default=WORKDIR)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
