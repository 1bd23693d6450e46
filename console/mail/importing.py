"""Importing mail: read each mail (``sources``), parse it (``parse``), store it
(``console.data.mail``), and keep the report.  A bad mail never stops a batch: it is
imported with what could be read or quarantined with its reason."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from console.data.errors import ConsoleError
from console.data.mail import AUTOMATIC, CREATED, QUARANTINED, THREADED, MailIntake, Outcome
from console.mail.message import Unreadable
from console.mail.parse import parse, too_large
from console.mail.sources import Found


@dataclass
class Report:
    """What an import did, and how long parsing and storing took (for the benchmark)."""

    read: int = 0
    created: list[int] = field(default_factory=list)
    threaded: list[int] = field(default_factory=list)
    automatic: list[int] = field(default_factory=list)
    duplicates: int = 0
    quarantined: list[dict[str, str]] = field(default_factory=list)
    parse_seconds: float = 0.0
    store_seconds: float = 0.0

    def count(self, found: Found, outcome: Outcome) -> None:
        """Add one mail's outcome."""
        self.read += 1
        if outcome.kind == CREATED and outcome.number is not None:
            self.created.append(outcome.number)
        elif outcome.kind == THREADED and outcome.number is not None:
            self.threaded.append(outcome.number)
        elif outcome.kind == AUTOMATIC and outcome.number is not None:
            self.automatic.append(outcome.number)
        elif outcome.kind == QUARANTINED:
            self.quarantined.append({"source": found.source, "reason": outcome.reason or ""})
        else:
            self.duplicates += 1

    def as_json(self) -> dict[str, Any]:
        """The report as ``mail import --json`` prints it."""
        return {
            "created": self.created,
            "threaded": self.threaded,
            "automatic": self.automatic,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
        }

    def progress(self) -> str:
        """One line of progress, as the demo build shows it."""
        return (
            f"{self.read:,} mails read · {len(self.created):,} tickets made · "
            f"{len(self.threaded) + len(self.automatic):,} threaded · "
            f"{len(self.quarantined):,} quarantined"
        )

    def lines(self) -> list[str]:
        """The report for people."""

        def numbers(found: list[int]) -> str:
            shown = ", ".join(f"#{n}" for n in found[:20])
            return f" ({shown}{', …' if len(found) > 20 else ''})" if found else ""

        text = [
            f"Read {self.read} mail{'s' if self.read != 1 else ''}: "
            f"{len(self.created)} new ticket(s){numbers(self.created)}, "
            f"{len(self.threaded)} threaded{numbers(self.threaded)}, "
            f"{len(self.automatic)} automatic{numbers(self.automatic)}, "
            f"{self.duplicates} duplicate(s), {len(self.quarantined)} quarantined."
        ]
        text.extend(f"  quarantined {q['source']}: {q['reason']}" for q in self.quarantined)
        return text


async def take_one(
    intake: MailIntake, found: Found, department: str | None, report: Report
) -> Outcome:
    """Parse and store one mail, never raising for the mail's own faults."""

    async def hold(reason: str) -> Outcome:
        return await intake.quarantine(
            found.raw,
            found.source,
            reason,
            sha256=found.sha256,
            size=found.size,
            department=department,
        )

    started = time.perf_counter()
    if found.raw is None:
        outcome = await hold(too_large(found.size))
        report.count(found, outcome)
        return outcome
    try:
        mail = parse(found.raw)
    except Unreadable as exc:
        report.parse_seconds += time.perf_counter() - started
        outcome = await hold(str(exc))
        report.count(found, outcome)
        return outcome
    parsed = time.perf_counter()
    report.parse_seconds += parsed - started
    try:
        outcome = await intake.take(mail, found.raw, found.source, department=department)
    except ConsoleError:
        raise  # the database itself refused (busy, unreachable): stop, nothing half done
    except Exception as exc:  # this mail's fault: quarantine it
        outcome = await hold(f"it could not be stored ({type(exc).__name__}: {str(exc)[:200]})")
    report.store_seconds += time.perf_counter() - parsed
    report.count(found, outcome)
    return outcome


async def import_mail(
    intake: MailIntake,
    mails: Iterable[Found],
    *,
    department: str | None = None,
    progress: Callable[[Report], None] | None = None,
    done: Callable[[Found], Awaitable[None]] | None = None,
    stop: Callable[[], bool] | None = None,
    every: int = 100,
) -> Report:
    """Import every mail; ``done`` is awaited after each one is committed (the worker marks
    it seen then), ``progress`` called every ``every`` mails and at the end; ``stop`` is
    asked before each mail (the worker's SIGTERM ends it after the current one)."""
    report = Report()
    for found in mails:
        if stop is not None and stop():
            break
        await take_one(intake, found, department, report)
        if done is not None:
            await done(found)
        if progress is not None and report.read % every == 0:
            progress(report)
    if progress is not None:
        progress(report)
    return report
