"""Reading an IMAP mailbox (``imaplib``, each call in a thread so the loop stays free).

The worker remembers each mailbox's UIDVALIDITY and the last UID imported.  A mail is
fetched with ``BODY.PEEK[]`` (not marking it), its ticket committed, then it is marked
``\\Seen`` (or moved, by config), then the last UID advances: a crash between commit and
flag fetches it again and it is known by its Message-ID or digest, so nothing is imported
twice.  A changed UIDVALIDITY means UIDs start over: the mailbox is read again from the
start, deduplicated the same way.  Polling only (``imaplib`` has no IDLE).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import imaplib
import re
import select
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from console.data.errors import Unavailable
from console.mail.importing import Report, take_one
from console.mail.parse import MAX_MESSAGE_BYTES
from console.mail.sources import Found

if TYPE_CHECKING:
    from console.config import Mailbox
    from console.data.mail import MailIntake

ENV_IMAP_PASSWORD = "AGENT_CONSOLE_IMAP_PASSWORD"
TIMEOUT_SECONDS = 30.0
LOOPBACK = ("127.0.0.1", "::1", "localhost")
#: An IDLE is ended and begun again this often: RFC 2177 lets a server drop a client
#: idle for 30 minutes (29 to be safe), and some drop sooner.
IDLE_RENEW_SECONDS = 25 * 60.0
#: How often an idling connection looks whether the worker is stopping.
IDLE_TICK_SECONDS = 0.5
#: What a server says in IDLE when mail arrives.
NEW_MAIL = re.compile(rb"^\* \d+ (EXISTS|RECENT)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ImapTarget:
    """An ``imaps://user@host:993/INBOX`` URL taken apart."""

    secure: bool
    user: str
    host: str
    port: int
    folder: str

    @property
    def account(self) -> str:
        """The keyring account of its password: ``user@host:port/folder``."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


def imap_target(url: str) -> ImapTarget:
    """Take an IMAP URL apart; Unavailable with a sentence when it is not one."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise Unavailable(
            f"{url!r} is not an IMAP mailbox URL such as imaps://user@host:993/INBOX."
        )
    secure = parts.scheme == "imaps"
    return ImapTarget(
        secure=secure,
        user=unquote(parts.username),
        host=parts.hostname,
        port=parts.port or (993 if secure else 143),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def imap_password(target: ImapTarget) -> str:
    """The password: ``AGENT_CONSOLE_IMAP_PASSWORD``, else the keyring."""
    from console.credentials import find_password, password_needed

    secret = find_password(target.account, ENV_IMAP_PASSWORD)
    if secret.password is None:
        raise Unavailable(password_needed(secret, ENV_IMAP_PASSWORD, "IMAP"))
    return secret.password


class Session:
    """One logged-in IMAP connection on one folder (blocking calls, run in a thread)."""

    def __init__(self, target: ImapTarget, password: str) -> None:
        self.target = target
        where = f"{target.user}@{target.host}:{target.port}"
        try:
            if target.secure:
                self.imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    target.host,
                    target.port,
                    ssl_context=ssl.create_default_context(),
                    timeout=TIMEOUT_SECONDS,
                )
            else:
                self.imap = imaplib.IMAP4(target.host, target.port, timeout=TIMEOUT_SECONDS)
                if "STARTTLS" in self.imap.capabilities:
                    self.imap.starttls(ssl.create_default_context())
                elif target.host not in LOOPBACK:
                    raise Unavailable(
                        f"The IMAP server {where} offers no STARTTLS; the password is not sent "
                        "in the clear (use imaps://)."
                    )
        except (OSError, imaplib.IMAP4.error) as exc:
            raise Unavailable(f"Cannot reach the IMAP server {where}: {exc}.") from None
        try:
            self.imap.login(target.user, password)
        except imaplib.IMAP4.error as exc:
            self.close()
            said = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
            raise Unavailable(
                f"The IMAP server {where} refused the login of {target.user} (wrong user or "
                f"password? it said: {said}). Set {ENV_IMAP_PASSWORD} or "
                "`agent-console credentials set URL`; the worker tries again at its next look."
            ) from None
        status, _ = self.imap.select(_quoted(target.folder))
        if status != "OK":
            self.close()
            raise Unavailable(f"The IMAP server {where} has no folder {target.folder!r}.")
        validity = self.imap.response("UIDVALIDITY")[1]
        self.uidvalidity = int(validity[0]) if validity and validity[0] else 0

    def uids_after(self, last_uid: int) -> list[int]:
        """The UIDs of the folder above ``last_uid``, in order."""
        status, data = self.imap.uid("SEARCH", f"UID {last_uid + 1}:*")
        if status != "OK" or not data or not data[0]:
            return []
        return sorted(u for u in map(int, data[0].split()) if u > last_uid)

    def fetch(self, uid: int) -> bytes | None:
        """The raw mail of ``uid`` without marking it seen; None when it is gone."""
        status, data = self.imap.uid("FETCH", str(uid), "(RFC822.SIZE BODY.PEEK[])")
        if status != "OK":
            return None
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return bytes(item[1])
        return None

    def size(self, uid: int) -> int:
        status, data = self.imap.uid("FETCH", str(uid), "(RFC822.SIZE)")
        found = re.search(rb"RFC822\.SIZE (\d+)", data[0] if data and data[0] else b"")
        return int(found.group(1)) if status == "OK" and found else 0

    def done(self, uid: int, move_to: str | None) -> None:
        """Mark a mail imported: ``\\Seen``, or moved to ``move_to``."""
        if move_to:
            status, _ = self.imap.uid("MOVE", str(uid), _quoted(move_to))
            if status == "OK":
                return
        self.imap.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Seen)")

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a connection already gone
            self.imap.logout()


class Idler(Session):
    """A connection of its own that waits in IDLE on the folder (used for nothing else:
    once logged in and the folder selected, its socket is read here line by line)."""

    def __init__(self, target: ImapTarget, password: str) -> None:
        super().__init__(target, password)
        status, data = self.imap.capability()
        said = data[-1] if status == "OK" and data and isinstance(data[-1], bytes) else b""
        #: whether the server offers IDLE (after login: what it offers then)
        self.can_idle = b"IDLE" in said.upper().split()
        self._buffer = b""

    def _send(self, line: bytes) -> None:
        self.imap.send(line + b"\r\n")

    def _line(self, timeout: float) -> bytes | None:
        """The server's next line, or None when none came within ``timeout``."""
        sock = self.imap.sock
        while b"\r\n" not in self._buffer:
            pending = isinstance(sock, ssl.SSLSocket) and sock.pending()
            if not pending and not select.select([sock], [], [], timeout)[0]:
                return None
            chunk = sock.recv(65536)
            if not chunk:
                raise imaplib.IMAP4.abort("the server closed the connection")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\r\n")
        return line

    def wait(self, stop: threading.Event, renew: float) -> bool:
        """One IDLE: True when the server told of new mail, False when ``renew``
        seconds passed or ``stop`` was set first.  The IDLE is ended (DONE) either way."""
        tag = self.imap._new_tag()
        self._send(tag + b" IDLE")
        started = self._line(TIMEOUT_SECONDS)
        if started is None or not started.startswith(b"+"):
            raise imaplib.IMAP4.error(f"the server refused IDLE ({started!r})")
        news = False
        deadline = time.monotonic() + renew
        while not news and not stop.is_set() and time.monotonic() < deadline:
            line = self._line(min(IDLE_TICK_SECONDS, max(0.0, deadline - time.monotonic())))
            if line is None:
                continue
            if line.upper().startswith(b"* BYE"):
                raise imaplib.IMAP4.abort(line.decode("ascii", "replace"))
            news = NEW_MAIL.match(line) is not None
        self._send(b"DONE")
        while True:
            line = self._line(TIMEOUT_SECONDS)
            if line is None:
                raise imaplib.IMAP4.abort("no answer to DONE")
            if line.startswith(tag + b" "):
                return news
            news = news or NEW_MAIL.match(line) is not None  # came as it ended


async def watch_imap(
    box: Mailbox,
    *,
    stop: threading.Event,
    wake: Callable[[], None],
    say: Callable[[str], None],
    idled: Callable[[], None] = lambda: None,
    retry_seconds: float = 30.0,
) -> None:
    """Keep an IDLE open on an IMAP mailbox while the worker runs, calling ``wake``
    (from the event loop) each time the server tells of new mail; ``idled`` is called as
    each IDLE begins.  Returns when ``stop`` is set, or at once when the server offers no
    IDLE (the worker then polls).  A lost connection is opened again after a while; the
    mailbox's errors are the poll's to report (it reads the same mailbox)."""
    assert box.imap is not None
    where = f"{box.department} ({box.name})"
    while not stop.is_set():
        try:
            target = imap_target(box.imap)
            idler = await asyncio.to_thread(Idler, target, imap_password(target))
        except Unavailable:
            await asyncio.to_thread(stop.wait, retry_seconds)
            continue
        try:
            if not idler.can_idle:
                say(f"{where}: the server offers no IDLE; polling every {box.poll_seconds:g} s.")
                return
            while not stop.is_set():
                idled()
                if await asyncio.to_thread(idler.wait, stop, IDLE_RENEW_SECONDS):
                    wake()
        except (OSError, imaplib.IMAP4.abort, imaplib.IMAP4.error, EOFError) as exc:
            say(f"{where}: IDLE ended ({exc or type(exc).__name__}); opening it again.")
            wake()  # whatever came meanwhile is read now
            await asyncio.to_thread(stop.wait, min(retry_seconds, 1.0))
        finally:
            await asyncio.to_thread(idler.close)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def read_imap(
    box: Mailbox,
    intake: MailIntake,
    *,
    stop: Callable[[], bool],
    say: Callable[[str], None],
    after: Callable[[Found], Awaitable[None]],
) -> Report:
    """One look at an IMAP mailbox: every mail above the last UID imported; ``after`` is
    awaited once each mail is committed and marked done."""
    assert box.imap is not None
    target = imap_target(box.imap)
    password = imap_password(target)
    session = await asyncio.to_thread(Session, target, password)
    report = Report()
    try:
        known = await intake.position(box.name)
        last = 0
        if known is not None and known[0] == session.uidvalidity:
            last = known[1]
        elif known is not None:
            say(
                f"{box.department} ({box.name}): UIDVALIDITY changed; reading the mailbox "
                "again (mail already imported is known by its Message-ID)."
            )
        for uid in await asyncio.to_thread(session.uids_after, last):
            if stop():
                break
            size = await asyncio.to_thread(session.size, uid)
            source = f"{box.name} UID {uid}"
            if size > MAX_MESSAGE_BYTES:
                found = Found(source, None, size, hashlib.sha256(source.encode()).hexdigest())
            else:
                raw = await asyncio.to_thread(session.fetch, uid)
                if raw is None:
                    continue  # expunged meanwhile
                found = Found(source, raw, len(raw), hashlib.sha256(raw).hexdigest())
            await take_one(intake, found, box.department, report)
            await asyncio.to_thread(session.done, uid, box.move_to)
            await intake.advance(box.name, session.uidvalidity, uid)
            await after(found)
    except (OSError, imaplib.IMAP4.abort, imaplib.IMAP4.error, EOFError) as exc:
        raise Unavailable(
            f"The IMAP connection was lost ({exc or type(exc).__name__}) after "
            f"{report.read} mail(s); the rest is read at the next look."
        ) from None
    finally:
        await asyncio.to_thread(session.close)
    return report
