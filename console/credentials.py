"""Database passwords: the keyring first, then AGENT_CONSOLE_DB_PASSWORD, then a prompt.

Over SSH there is often no keyring backend, or one that hangs waiting for a desktop
session; lookups give up after about 3 s and say so.  A password is never written to a
plain file.
"""

from __future__ import annotations

import getpass
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import URL

SERVICE = "agent-console"
ENV_PASSWORD = "AGENT_CONSOLE_DB_PASSWORD"
KEYRING_TIMEOUT = 3.0


class KeyringUnavailable(Exception):
    """No usable keyring backend here, or it did not answer in time."""


def keyring_account(url: URL) -> str:
    """The keyring user name for a database: user@host:port/database."""
    port = url.port or 5432
    return f"{url.username or ''}@{url.host or 'localhost'}:{port}/{url.database or ''}"


def _keyring_call(name: str, *args: Any) -> Any:
    """Call a keyring function in a thread, giving up after KEYRING_TIMEOUT."""

    def call() -> Any:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or "fail" in type(backend).__module__:
            raise KeyringUnavailable("no keyring backend is available here")
        if type(backend).__module__.endswith(".null"):
            raise KeyringUnavailable("the keyring is switched off here (null backend)")
        return getattr(keyring, name)(*args)

    # A daemon thread: a keyring that never answers must not hold the process at exit.
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except Exception as exc:  # keyring backends raise many kinds of errors
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="keyring", daemon=True)
    thread.start()
    thread.join(KEYRING_TIMEOUT)
    if thread.is_alive():
        raise KeyringUnavailable(f"the keyring did not answer within {KEYRING_TIMEOUT:.0f} s")
    error = outcome.get("error")
    if error is None:
        return outcome.get("value")
    if isinstance(error, KeyringUnavailable) or type(error).__name__ == "PasswordDeleteError":
        raise error
    raise KeyringUnavailable(f"the keyring failed: {error}") from None


@dataclass(frozen=True)
class Secret:
    """A URL with its password filled in, and where the password came from."""

    url: URL
    source: str | None  # "keyring", "AGENT_CONSOLE_DB_PASSWORD", "prompt" or None
    #: Why the keyring could not be asked (no backend, it failed, it did not answer).
    keyring_problem: str | None = None


def with_password(url: URL) -> Secret:
    """Fill in a PostgreSQL URL's password when it has none.

    Order: the AGENT_CONSOLE_DB_PASSWORD variable, then the keyring (service
    ``agent-console``); otherwise no password, since a server with trust or peer
    authentication needs none (``prompt_password`` asks when the server says it does).
    """
    if url.get_backend_name() != "postgresql" or url.password:
        return Secret(url, None)
    env = os.environ.get(ENV_PASSWORD)
    if env:
        return Secret(url.set(password=env), ENV_PASSWORD)
    try:
        stored = _keyring_call("get_password", SERVICE, keyring_account(url))
    except KeyringUnavailable as exc:
        return Secret(url, None, str(exc))
    if stored:
        return Secret(url.set(password=stored), "keyring")
    return Secret(url, None)


def password_needed(secret: Secret) -> str:
    """What to say when the server asks for a password nobody gave."""
    why = f" (the keyring could not be used: {secret.keyring_problem})" if (
        secret.keyring_problem
    ) else ""
    return (
        f"The database server asks for a password{why}: set AGENT_CONSOLE_DB_PASSWORD, or "
        "store it with `agent-console credentials set URL`."
    )


def prompt_password(url: URL) -> Secret | None:
    """Ask the person at the terminal for the password; None when nobody is there."""
    if not sys.stdin.isatty():
        return None
    typed = getpass.getpass(f"Password for {keyring_account(url)}: ")
    return Secret(url.set(password=typed), "prompt")


def store_password(url: URL, password: str) -> None:
    """Keep a database password in the keyring; KeyringUnavailable explains a failure."""
    _keyring_call("set_password", SERVICE, keyring_account(url), password)


def delete_password(url: URL) -> bool:
    """Forget a stored password; False when there was none."""
    import keyring.errors

    try:
        _keyring_call("delete_password", SERVICE, keyring_account(url))
    except keyring.errors.PasswordDeleteError:
        return False
    return True
