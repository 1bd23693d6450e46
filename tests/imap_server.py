"""A real Dovecot IMAP server for one test, on a loopback port, with its configuration,
runtime files and mail store in the test's own temporary folder (see MAIL.md).

The tests that use it run when ``AGENT_CONSOLE_TEST_IMAP`` is set (``.ci/run`` installs
Debian's ``dovecot-imapd`` and sets it) and skip with a reason otherwise.
"""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

IMAP_SKIP = "IMAP tests need Dovecot and AGENT_CONSOLE_TEST_IMAP=1 (as .ci/run sets)"
USER = "support"
PASSWORD = "s3cret-Pa55"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
# No growing delay after a wrong password: the test of it retries at once.
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
mail_location = maildir:{root}/mail/%u
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Dovecot:
    """A running Dovecot and what a test does to it."""

    root: Path
    port: int

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    def url(self, folder: str = "INBOX") -> str:
        return f"imap://{USER}@127.0.0.1:{self.port}/{folder}"

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(USER, PASSWORD)
        return imap

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a mail as a mail client would (APPEND)."""
        imap = self.client()
        try:
            status, said = imap.append(folder, None, None, raw)
            assert status == "OK", said
        finally:
            imap.logout()

    def flags(self, folder: str = "INBOX") -> dict[int, str]:
        """Each mail's UID and flags."""
        imap = self.client()
        try:
            imap.select(folder)
            _, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            found: dict[int, str] = {}
            for item in data:
                if isinstance(item, bytes) and b"UID" in item:
                    text = item.decode()
                    uid = int(text.split("UID ", 1)[1].split(" ", 1)[0].rstrip(")"))
                    found[uid] = text.split("FLAGS (", 1)[1].split(")", 1)[0]
            return found
        finally:
            imap.logout()

    def doveadm(self, *args: str) -> str:
        done = subprocess.run(
            ["doveadm", "-c", str(self.config), *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=30,
            check=True,
        )
        return done.stdout

    def set_uidvalidity(self, value: int, folder: str = "INBOX") -> None:
        self.doveadm("mailbox", "update", "-u", USER, "--uid-validity", str(value), folder)

    def kick(self) -> None:
        """Drop every connection of the user, as a server going away does."""
        self.doveadm("kick", USER)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot of this test's own (skipped without AGENT_CONSOLE_TEST_IMAP).

    Its folder is a short one of its own: a Unix socket's path holds at most 107 bytes, and
    Dovecot's sockets under pytest's folders for parallel workers are longer than that."""
    if not os.environ.get("AGENT_CONSOLE_TEST_IMAP"):
        pytest.skip(IMAP_SKIP)
    yield from _dovecot_of_its_own()


#: What a server that offers no IDLE says it can do (Dovecot's ``imap_capability``).
NO_IDLE = "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE UIDPLUS\n"


@pytest.fixture
def dovecot_without_idle() -> Iterator[Dovecot]:
    """A Dovecot whose CAPABILITY has no IDLE (the worker polls it)."""
    if not os.environ.get("AGENT_CONSOLE_TEST_IMAP"):
        pytest.skip(IMAP_SKIP)
    yield from _dovecot_of_its_own(NO_IDLE)


def _dovecot_of_its_own(extra: str = "") -> Iterator[Dovecot]:
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    short = Path(tempfile.mkdtemp(prefix="ac-imap-"))
    try:
        yield from _run_dovecot(binary, short / "dovecot", extra)
    finally:
        shutil.rmtree(short, ignore_errors=True)


def _run_dovecot(binary: str, root: Path, extra: str = "") -> Iterator[Dovecot]:
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(parents=True)
    import pwd

    owner = pwd.getpwnam("dovecot")
    # Dovecot reads its files as its own users: every folder above them must be
    # traversable (pytest makes its own 0700); listing them stays private (0711).
    for folder in (root, *root.parents):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH | stat.S_IXGRP)
    for sub in ("mail", "home"):
        os.chown(root / sub, owner.pw_uid, owner.pw_gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    server = Dovecot(root, _free_port())
    server.config.write_text(
        CONFIG.format(root=root, port=server.port, uid=owner.pw_uid, gid=owner.pw_gid) + extra
    )
    subprocess.run(
        [binary, "-c", str(server.config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        timeout=30,
    )
    try:
        for _ in range(200):  # until it answers
            try:
                server.client().logout()
                break
            except OSError:
                time.sleep(0.05)
        yield server
    finally:
        subprocess.run(
            [binary, "-c", str(server.config), "stop"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )
