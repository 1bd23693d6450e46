"""The worker: reads every mailbox of the config into tickets, until it is stopped.

``agent-console worker`` runs until SIGTERM or ctrl+c, which end it after the current mail;
``--once`` does one pass (cron, tests).  An IMAP mailbox whose server offers IDLE is
read as soon as the server tells of new mail (``console.mail.imap.watch_imap``); the others
are polled every ``poll_seconds``.  Only one worker per database is active
(``console.data.worker_lock``): a second one waits and takes over when the first dies.
Mail is marked done in its mailbox (Maildir: moved to ``cur/`` as Seen; IMAP: ``\\Seen`` or
moved) only after its ticket is committed, so a crash in between imports nothing twice:
the next pass finds it again and knows it by its Message-ID or digest.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from console.config import Mailbox, Settings
from console.data.db import Database
from console.data.errors import ConsoleError
from console.data.mail import MailIntake
from console.data.worker_lock import ActiveWorker
from console.mail.importing import Report, import_mail
from console.mail.sender import send_outbox
from console.mail.sources import Found, SourceError, check, mark_seen, read

#: How often the worker says it is alive (and looks whether it should stop).
HEARTBEAT_SECONDS = 2.0


@dataclass
class MailboxPass:
    """One look at one mailbox: its report, or the sentence saying why it failed."""

    mailbox: str
    department: str
    report: Report | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        """For ``worker --once --json``."""
        data: dict[str, Any] = {"mailbox": self.mailbox, "department": self.department}
        if self.report is not None:
            data.update(self.report.as_json())
        data["error"] = self.error
        return data

    def line(self) -> str | None:
        """A line for the log, when there is something to say."""
        if self.error:
            return f"{self.department} ({self.mailbox}): {self.error}"
        if self.report is not None and self.report.read:
            return f"{self.department} ({self.mailbox}): {self.report.progress()}"
        return None


class Worker:
    """The worker on one database with the config's mailboxes."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        say: Callable[[str], None] = lambda _line: None,
        holder: str | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.say = say
        self.stop = asyncio.Event()
        self.intake = MailIntake(db, sla=settings.sla(), mail=settings.mail_setup())
        self.lock = ActiveWorker(
            db, holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        )
        self._last_beat = 0.0
        self._lost = False
        #: What the last ``--once`` pass sent (``send_mail``).
        self.mail_out: dict[str, Any] = {}
        #: The reminders the last ``--once`` pass fired: {ticket, agent, text} each.
        self.reminders: list[dict[str, Any]] = []
        #: Awaited after each mail is committed and marked done (progress, tests).
        self.after_mail: Callable[[Found], Awaitable[None]] | None = None
        #: How many IDLEs each IMAP mailbox has begun (the log of the watchers, tests).
        self.idles: dict[str, int] = {}
        #: The mailboxes whose server told of new mail since they were last read.
        self._woken: set[str] = set()
        self._wake = asyncio.Event()

    async def wait_for_lock(self) -> bool:
        """Become the active worker, waiting while another one is; False if stopped."""
        told = False
        while not self.stop.is_set():
            if await self.lock.take():
                if told:
                    self.say("The other worker stopped; this one is now active.")
                self._last_beat = time.monotonic()
                return True
            if not told:
                self.say("Another worker is active on this database; waiting to take over.")
                told = True
            await self._sleep(1.0)
        return False

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=max(0.0, seconds))

    async def _nap(self, seconds: float) -> None:
        """Sleep until ``seconds`` pass, the worker is stopped or a mailbox woke it."""
        waits = [asyncio.ensure_future(self.stop.wait()), asyncio.ensure_future(self._wake.wait())]
        await asyncio.wait(waits, timeout=max(0.0, seconds), return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()
        self._wake.clear()

    def woken(self, box: Mailbox) -> None:
        """The server of ``box`` told of new mail: read it now, not at the next poll."""
        self._woken.add(box.name)
        self._wake.set()

    def _watchers(self, stopping: threading.Event) -> list[asyncio.Task[None]]:
        """An IDLE watcher for each IMAP mailbox (each returns at once if its server has
        no IDLE: that mailbox is polled)."""
        from console.mail.imap import watch_imap

        tasks = []
        for box in self.settings.mailboxes:
            if box.imap is None:
                continue

            def idled(name: str = box.name) -> None:
                self.idles[name] = self.idles.get(name, 0) + 1

            def wake(b: Mailbox = box) -> None:
                self.woken(b)

            tasks.append(
                asyncio.create_task(
                    watch_imap(
                        box,
                        stop=stopping,
                        wake=wake,
                        say=self.say,
                        idled=idled,
                    )
                )
            )
        return tasks

    async def beat(self) -> None:
        """Keep the lock (SQLite: refresh its row) every ``HEARTBEAT_SECONDS``."""
        if time.monotonic() - self._last_beat < HEARTBEAT_SECONDS:
            return
        self._last_beat = time.monotonic()
        if not await self.lock.keep():
            self.say("Another worker took over this database; this one stops.")
            self._lost = True
            self.stop.set()

    async def read_mailbox(self, box: Mailbox) -> MailboxPass:
        """One look at one mailbox; a mailbox that fails says why and the rest go on."""
        result = MailboxPass(box.name, box.department)
        try:
            if box.maildir is not None:
                result.report = await self._maildir(box)
            else:
                from console.mail.imap import read_imap

                result.report = await read_imap(
                    box, self.intake, stop=self.stop.is_set, say=self.say, after=self._done
                )
        except (SourceError, OSError) as exc:
            result.error = str(exc)
        except ConsoleError as exc:
            result.error = str(exc)
        return result

    async def _done(self, found: Found) -> None:
        """After each mail is committed and marked done: the hook, the heartbeat."""
        if self.after_mail is not None:
            await self.after_mail(found)
        await self.beat()

    async def _maildir(self, box: Mailbox) -> Report:
        assert box.maildir is not None
        check([box.maildir])

        async def done(found: Found) -> None:
            mark_seen(found)
            await self._done(found)

        return await import_mail(
            self.intake,
            read([box.maildir], unseen_only=True),
            department=box.department,
            done=done,
            stop=self.stop.is_set,
        )

    async def one_pass(self) -> list[MailboxPass]:
        """Look at every mailbox once."""
        results = []
        for box in self.settings.mailboxes:
            if self.stop.is_set():
                break
            result = await self.read_mailbox(box)
            line = result.line()
            if line:
                self.say(line)
            results.append(result)
        return results

    async def fire_reminders(self) -> list[dict[str, Any]]:
        """Fire the due reminders of every agent (those running a console fire their own
        too: each fires once, whoever comes first); what fired."""
        from console.data.inbox import fire_reminders, fired_report

        fired = await fire_reminders(self.db, self.settings.mail_setup(), datetime.now(UTC))
        if not fired:
            return []
        done = await fired_report(self.db, fired)
        self.say(
            "Reminders: " + "; ".join(f"{d['agent']} on #{d['ticket']}: {d['text']}" for d in done)
        )
        return done

    async def send_mail(self) -> dict[str, Any]:
        """Mail out: send the outbox (when a server is configured), then close what has
        waited on the customer long enough (``[auto_close]``); what it did."""
        from console.data.autoclose import auto_close
        from console.data.outbox import QUEUED, Outbox
        from console.mail.sender import server_for

        found: dict[str, Any] = {"sent": 0, "failed": 0, "retried": 0}
        closed = await auto_close(self.db, self.settings.mail_setup(), datetime.now(UTC))
        server = server_for(self.settings)
        if server is not None:
            report = await send_outbox(self.db, server)
            found.update(report.as_dict())
            if report.sent or report.failed or report.retried:
                self.say(
                    f"Mail out: sent {report.sent}, failed {report.failed}, "
                    f"to try again {report.retried}; {report.queued} queued."
                )
        else:
            found["queued"] = (await Outbox(self.db).counts())[QUEUED]
        found["auto_closed"] = closed
        if closed:
            self.say("Closed, no answer from the customer: " + ", ".join(f"#{n}" for n in closed))
        return found

    async def run(self, *, once: bool = False) -> list[MailboxPass]:
        """Run until stopped (or one pass with ``once``), as the one active worker."""
        if not self.settings.mailboxes:
            self.say("No [[mailboxes]] in the config: there is nothing to read.")
        if not await self.wait_for_lock():
            return []
        try:
            if once:
                passes = await self.one_pass()
                self.reminders = await self.fire_reminders()
                self.mail_out = await self.send_mail()
                return passes
            stopping = threading.Event()
            watchers = self._watchers(stopping)
            try:
                await self._poll()
            finally:
                stopping.set()  # each IDLE ends (DONE) within a tick
                await asyncio.gather(*watchers, return_exceptions=True)
            return []
        finally:
            if not self._lost:
                await self.lock.give_back()

    async def _poll(self) -> None:
        """Until stopped: each mailbox when its poll is due or its server told of new
        mail, then the outbox; a heartbeat at least every ``HEARTBEAT_SECONDS``."""
        due: dict[str, float] = {}
        while not self.stop.is_set():
            now = time.monotonic()
            for box in self.settings.mailboxes:
                if self.stop.is_set():
                    break
                if due.get(box.name, 0.0) <= now or box.name in self._woken:
                    self._woken.discard(box.name)  # news while reading wakes it again
                    await self.read_mailbox_logged(box)
                    due[box.name] = time.monotonic() + box.poll_seconds
            try:
                await self.fire_reminders()
            except ConsoleError as exc:
                self.say(f"Reminders: {exc}")
            try:
                await self.send_mail()
            except ConsoleError as exc:
                self.say(f"Mail out: {exc}")
            await self.beat()
            wake = min(due.values(), default=time.monotonic() + HEARTBEAT_SECONDS)
            if not self._woken:
                await self._nap(min(HEARTBEAT_SECONDS, wake - time.monotonic()))

    async def read_mailbox_logged(self, box: Mailbox) -> None:
        """One look at a mailbox, its line in the log."""
        line = (await self.read_mailbox(box)).line()
        if line:
            self.say(line)
