"""Database passwords: environment, keyring (with a time limit), and the clear message
when no keyring is usable, as over SSH."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from console import credentials
from console.cli import main
from console.data.db import password_account

ACCOUNT = password_account("postgresql://agent@db.example:5432/helpdesk")
assert ACCOUNT is not None


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps secrets in memory (this machine has no keyring service)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}
        self.delay = delay

    def get_password(self, service: str, username: str) -> str | None:
        time.sleep(self.delay)
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        time.sleep(self.delay)
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.secrets:
            raise keyring.errors.PasswordDeleteError("not there")
        del self.secrets[(service, username)]


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    monkeypatch.delenv(credentials.ENV_PASSWORD, raising=False)
    previous = keyring.get_keyring()
    store = MemoryKeyring()
    keyring.set_keyring(store)
    yield store
    keyring.set_keyring(previous)


def test_password_from_the_keyring(backend: MemoryKeyring) -> None:
    credentials.store_password(ACCOUNT, "s3cret")
    secret = credentials.find_password(ACCOUNT)
    assert (secret.password, secret.source) == ("s3cret", "keyring")
    assert backend.secrets == {("agent-console", "agent@db.example:5432/helpdesk"): "s3cret"}
    assert credentials.delete_password(ACCOUNT) is True
    assert credentials.delete_password(ACCOUNT) is False
    assert credentials.find_password(ACCOUNT).source is None


def test_environment_comes_first(backend: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    credentials.store_password(ACCOUNT, "from-keyring")
    monkeypatch.setenv(credentials.ENV_PASSWORD, "from-env")
    secret = credentials.find_password(ACCOUNT)
    assert (secret.password, secret.source) == ("from-env", "AGENT_CONSOLE_DB_PASSWORD")


def test_a_keyring_that_hangs_is_given_up_on(
    backend: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(credentials, "KEYRING_TIMEOUT", 0.3)
    backend.delay = 2.0
    started = time.monotonic()
    secret = credentials.find_password(ACCOUNT)
    assert secret.source is None and secret.password is None
    assert time.monotonic() - started < 1.5


def test_no_keyring_backend_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        monkeypatch.setattr("sys.stdin.isatty", lambda: False)
        monkeypatch.setattr("sys.stdin.readline", lambda: "s3cret\n")
        code = main(["credentials", "set", "postgresql://agent@db.example/helpdesk"])
    finally:
        keyring.set_keyring(previous)
    err = capsys.readouterr().err
    assert code == 1
    assert "Cannot use the keyring: no keyring backend is available here" in err
    assert "AGENT_CONSOLE_DB_PASSWORD" in err


def test_sqlite_needs_no_password() -> None:
    assert password_account("/tmp/tickets.db") is None
    assert password_account("postgresql://agent:given@db.example/helpdesk") is None


class BrokenKeyring(MemoryKeyring):
    """A backend that is there but errors, as a locked or misconfigured one does."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("the collection is locked")


def _backends() -> dict[str, KeyringBackend]:
    return {
        "fail": fail.Keyring(),
        "null": null.Keyring(),
        "broken": BrokenKeyring(),
        "hangs": MemoryKeyring(delay=30.0),
    }


#: A hung keyring never answers: the limit is what is checked, and a machine busy with
#: other work may take some seconds more to give up (a tight bound failed under load).
SLACK = 10.0

EXPECTED_PROBLEM = {
    "fail": "no keyring backend is available here",
    "null": "the keyring is switched off here (null backend)",
    "broken": "the keyring failed: the collection is locked",
    "hangs": "the keyring did not answer within 3 s",
}


@pytest.fixture(params=list(EXPECTED_PROBLEM))
def unusable(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    """A keyring that cannot be used, with HOME and the XDG folders in a temporary place
    (so the test can look for the password written anywhere)."""
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv(credentials.ENV_PASSWORD, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(_backends()[request.param])
    yield request.param
    keyring.set_keyring(previous)


def test_an_unusable_keyring_is_given_up_on_with_the_reason(unusable: str) -> None:
    """The documented default limit (3 s) holds, and the fallback is no password (the
    server may need none), with the reason kept for the message."""
    started = time.monotonic()
    secret = credentials.find_password(ACCOUNT)
    took = time.monotonic() - started
    assert took < credentials.KEYRING_TIMEOUT + SLACK
    assert (secret.source, secret.password) == (None, None)
    assert secret.keyring_problem == EXPECTED_PROBLEM[unusable]
    message = credentials.password_needed(secret)
    assert EXPECTED_PROBLEM[unusable] in message and "AGENT_CONSOLE_DB_PASSWORD" in message


def test_storing_in_an_unusable_keyring_says_so_and_writes_nothing(
    unusable: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.setattr("sys.stdin.readline", lambda: "pl41n-s3cret\n")
    started = time.monotonic()
    code = main(["credentials", "set", "postgresql://agent@db.example/helpdesk"])
    assert time.monotonic() - started < credentials.KEYRING_TIMEOUT + SLACK
    out, err = capsys.readouterr()
    assert code == 1 and "Stored" not in out
    assert f"Cannot use the keyring: {EXPECTED_PROBLEM[unusable]}" in err
    assert "AGENT_CONSOLE_DB_PASSWORD" in err
    # Nothing kept the password in a plain file instead.
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not [p for p in written if b"pl41n-s3cret" in p.read_bytes()]
