"""The demo's clock: times as whole seconds since an origin, and their stored text.

Formatting a datetime per value would be the slowest part of writing a million rows, so
the text a database stores and the text history shows are assembled from per-day and
per-second strings made once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

#: Tickets are spread over this many days before "now".
HISTORY_DAYS = 180

DAY = 86_400
HOUR = 3_600
MINUTE = 60
#: How far past "now" the time tables reach (due times, appointments, activities).
FUTURE_DAYS = 45


class Times:
    """Times as whole seconds since ``origin`` (the midnight before the oldest ticket).

    ``db(s)`` is the stored form: the exact text SQLAlchemy writes for a SQLite DATETIME,
    or a naive UTC datetime for asyncpg.
    """

    def __init__(self, now: datetime, sqlite: bool) -> None:
        self.origin = (now - timedelta(days=HISTORY_DAYS + 1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        self.now = int((now - self.origin).total_seconds())
        days = [self.origin + timedelta(days=d) for d in range(self.now // DAY + FUTURE_DAYS)]
        self.weekdays = [d.weekday() for d in days]
        self._iso_days = [f"{d:%Y-%m-%d}T" for d in days]
        self._iso_minutes = [f"{m // 60:02d}:{m % 60:02d}+00:00" for m in range(1440)]
        self.db: Callable[[int], Any]
        if sqlite:
            day_text = [f"{d:%Y-%m-%d} " for d in days]
            clock = [
                f"{s // HOUR:02d}:{s // MINUTE % 60:02d}:{s % MINUTE:02d}.000000"
                for s in range(DAY)
            ]
            self.db = lambda s: day_text[s // DAY] + clock[s % DAY]
        else:
            naive = self.origin.replace(tzinfo=None)
            self.db = lambda s: naive + timedelta(seconds=s)

    def iso(self, s: int) -> str:
        """A time as history shows it: the text ``history.shown`` gives for the aware
        time (ISO 8601 to the minute), made from the tables."""
        return self._iso_days[s // DAY] + self._iso_minutes[s % DAY // MINUTE]

    def aware(self, s: int) -> datetime:
        """A time as an aware UTC datetime."""
        return self.origin + timedelta(seconds=s)

    def day(self, day: int) -> date:
        """The date of a day number (days since ``origin``; may lie outside the tables)."""
        return (self.origin + timedelta(days=day)).date()
