"""Checks on the values an action is given, made before any transaction begins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from console.data.errors import BadValue


def aware(value: datetime | None, what: str) -> datetime | None:
    """Refuse a time without a time zone: it would be read differently by every terminal."""
    if value is not None and value.tzinfo is None:
        raise BadValue(f"The {what} needs a time zone (parse typed times with parse_when).")
    return value


def checked(parse: Callable[[str], Any], value: Any) -> Any:
    """``parse(value)``, its ValueError (which names the choices) turned into BadValue."""
    try:
        return parse(str(value))
    except ValueError as exc:
        raise BadValue(str(exc)) from None


def some_text(body: str, what: str) -> str:
    """The text of a message or resolution, refused when it is blank."""
    if not body or not body.strip():
        raise BadValue(f"A {what} needs some text.")
    return body
