"""A PostgreSQL server of one test's own that checks passwords (SCRAM-SHA-256 over TCP):
the CI's server trusts every local login, so a password set, kept and refused can only be
tried on one like this.  It runs from Debian's binaries as the ``postgres`` user, in a
folder of its own, on a free loopback port, and is stopped and removed after the test.

Its tests run where the CI's PostgreSQL tests do (``AGENT_CONSOLE_TEST_PG``) and skip with
a reason where there is no ``initdb``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PG_SKIP, PG_URL
from tests.imap_server import _free_port

SUPERUSER = "desk_owner"
PASSWORD = "owner-Pa55w0rd"


@dataclass
class PasswordServer:
    """The running server: its port and the owner's URL (password included)."""

    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://{SUPERUSER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(*command: str) -> list[str]:
    """Run as the ``postgres`` user (the server refuses to run as root)."""
    if os.getuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


@pytest.fixture
def password_server() -> Iterator[PasswordServer]:
    """A PostgreSQL checking passwords (skipped without the CI's PostgreSQL or initdb)."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    binaries = _binaries()
    if binaries is None:
        pytest.skip("no initdb here (Debian's postgresql package)")
    # A short folder: the server's Unix socket path holds at most 107 bytes.
    root = Path(tempfile.mkdtemp(prefix="ac-pg-"))
    try:
        data = root / "data"
        secret = root / "password"
        secret.write_text(PASSWORD + "\n", encoding="utf-8")
        if os.getuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(root, owner.pw_uid, owner.pw_gid)
            os.chown(secret, owner.pw_uid, owner.pw_gid)
        subprocess.run(
            _as_postgres(
                str(binaries / "initdb"),
                "-D", str(data), "-U", SUPERUSER, f"--pwfile={secret}",
                "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "--no-sync",
            ),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            check=True, timeout=120,
        )  # fmt: skip
        server = PasswordServer(_free_port())
        options = f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres(
                str(binaries / "pg_ctl"), "-D", str(data), "-o", options,
                "-l", str(root / "log"), "-w", "start",
            ),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            check=True, timeout=120,
        )  # fmt: skip
        try:
            yield server
        finally:
            subprocess.run(
                _as_postgres(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=120,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
