"""Reading the times people type: ``2026-03-02 14:00`` (local), ISO 8601, ``+2h``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from console.data.errors import BadValue

EXAMPLES = (
    "YYYY-MM-DD HH:MM in local time (2026-03-02 14:00), ISO 8601 (2026-03-02T14:00+01:00), "
    "a relative time (+30m, +2h, +3d, +1w), or today/tomorrow HH:MM"
)

_RELATIVE = re.compile(r"^\+\s*(\d+)\s*(m|min|mins|h|hr|hrs|d|day|days|w|wk|weeks?)$", re.I)
_DAY_WORD = re.compile(r"^(today|tomorrow)(?:\s+(\d{1,2}):(\d{2}))?$", re.I)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def local_zone() -> object:
    """The zone of this terminal's local time."""
    return datetime.now().astimezone().tzinfo


def parse_when(text: str, *, now: datetime | None = None) -> datetime:
    """A moment from what a person typed, as an aware UTC datetime.

    Raises BadValue with examples of what is accepted.
    """
    raw = text.strip()
    current = now or datetime.now(UTC)
    if not raw:
        raise BadValue(f"A time is needed; use {EXAMPLES}.")
    relative = _RELATIVE.match(raw)
    if relative:
        amount = int(relative.group(1))
        unit = _UNITS[relative.group(2)[0].lower()]
        return current + timedelta(**{unit: amount})
    if raw.lower() == "now":
        return current
    day_word = _DAY_WORD.match(raw)
    if day_word:
        local_now = current.astimezone(local_zone())  # type: ignore[arg-type]
        day = local_now.date() + timedelta(days=1 if day_word.group(1).lower() == "tomorrow" else 0)
        hour, minute = (
            (int(day_word.group(2)), int(day_word.group(3))) if day_word.group(2) else (9, 0)
        )
        return _local(day, hour, minute, raw)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise BadValue(f"Cannot read {raw!r} as a time; use {EXAMPLES}.") from None
    if parsed.tzinfo is None:
        return _local(parsed.date(), parsed.hour, parsed.minute, raw)
    return parsed.astimezone(UTC)


def _local(day: date, hour: int, minute: int, raw: str) -> datetime:
    try:
        moment = datetime.combine(day, time(hour, minute))
    except ValueError:
        raise BadValue(f"Cannot read {raw!r} as a time; use {EXAMPLES}.") from None
    return moment.astimezone().astimezone(UTC)


def parse_day(text: str) -> date:
    """A calendar date typed as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadValue(f"Cannot read {text!r} as a date; use YYYY-MM-DD (2026-12-31).") from None


def show_local(moment: datetime | None) -> str:
    """A moment as this terminal's local ``YYYY-MM-DD HH:MM`` (empty for none)."""
    if moment is None:
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
