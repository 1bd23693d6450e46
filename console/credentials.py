"""Passwords of the servers the console talks to: an environment variable first, then the
keyring, then (for the database, at a terminal) a prompt.

Each password is kept under a keyring account naming its server (``user@host:port/db``
for a database, which ``console.data.db.password_account`` gives); the environment
variable depends on the kind of server (``AGENT_CONSOLE_DB_PASSWORD`` for the database).
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

SERVICE = "agent-console"
ENV_PASSWORD = "AGENT_CONSOLE_DB_PASSWORD"
KEYRING_TIMEOUT = 3.0


class KeyringUnavailable(Exception):
    """No usable keyring backend here, or it did not answer in time."""


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
    """A password (or none) and where it came from."""

    password: str | None
    source: str | None  # "keyring", the environment variable's name, "prompt" or None
    #: Why the keyring could not be asked (no backend, it failed, it did not answer).
    keyring_problem: str | None = None


def find_password(account: str, env: str = ENV_PASSWORD) -> Secret:
    """The password of a keyring account: the environment variable ``env`` first, then
    the keyring (service ``agent-console``); otherwise none, since a server with trust or
    peer authentication needs none (``prompt_password`` asks when the server says it does).
    """
    from_env = os.environ.get(env)
    if from_env:
        return Secret(from_env, env)
    try:
        stored = _keyring_call("get_password", SERVICE, account)
    except KeyringUnavailable as exc:
        return Secret(None, None, str(exc))
    if stored:
        return Secret(stored, "keyring")
    return Secret(None, None)


def password_needed(secret: Secret, env: str = ENV_PASSWORD, what: str = "database") -> str:
    """What to say when a server asks for a password nobody gave."""
    why = (
        f" (the keyring could not be used: {secret.keyring_problem})"
        if (secret.keyring_problem)
        else ""
    )
    return (
        f"The {what} server asks for a password{why}: set {env}, or store it with "
        "`agent-console credentials set URL`."
    )


def prompt_password(account: str) -> Secret | None:
    """Ask the person at the terminal for the password; None when nobody is there."""
    if not sys.stdin.isatty():
        return None
    typed = getpass.getpass(f"Password for {account}: ")
    return Secret(typed, "prompt")


def store_password(account: str, password: str) -> None:
    """Keep a password in the keyring; KeyringUnavailable explains a failure."""
    _keyring_call("set_password", SERVICE, account, password)


def delete_password(account: str) -> bool:
    """Forget a stored password; False when there was none."""
    import keyring.errors

    try:
        _keyring_call("delete_password", SERVICE, account)
    except keyring.errors.PasswordDeleteError:
        return False
    return True
