"""Importing mail: read each mail (``sources``), parse it (``parse``), store it
(``console.data.mail``), and keep the report.  A bad mail never stops a batch: it is
imported with what could be read or quarantined with its reason."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from console.data.errors import ConsoleError
from console.data.mail import (
    AUTOMATIC,
    CREATED,
    QUARANTINED,
    THREADED,
    Incoming,
    MailIntake,
    Outcome,
)
from console.mail.message import InboundMail, Unreadable
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


async def _hold(intake: MailIntake, found: Found, department: str | None, reason: str) -> Outcome:
    return await intake.quarantine(
        found.raw,
        found.source,
        reason,
        sha256=found.sha256,
        size=found.size,
        department=department,
    )


def _parse_found(raw: bytes | None, size: int) -> InboundMail | str:
    """The mail parsed, or why it cannot be (the quarantine's reason)."""
    try:
        if raw is None:
            raise Unreadable(too_large(size))
        return parse(raw)
    except Unreadable as exc:
        return str(exc)


def parse_many(mails: list[tuple[bytes | None, int]]) -> tuple[list[InboundMail | str], float]:
    """Parse a group of mails (in the parsing process of a large import): each parsed or
    its reason, and the seconds it took."""
    started = time.perf_counter()
    return [_parse_found(raw, size) for raw, size in mails], time.perf_counter() - started


async def _parsed(
    intake: MailIntake, found: Found, department: str | None, report: Report
) -> InboundMail | None:
    """The mail parsed, or None when it went to quarantine (counted in the report)."""
    started = time.perf_counter()
    result = _parse_found(found.raw, found.size)
    report.parse_seconds += time.perf_counter() - started
    return await _kept_or_held(intake, found, result, department, report)


async def _kept_or_held(
    intake: MailIntake,
    found: Found,
    result: InboundMail | str,
    department: str | None,
    report: Report,
) -> InboundMail | None:
    """The parsed mail, or None once a mail that cannot be read is quarantined."""
    if isinstance(result, str):
        report.count(found, await _hold(intake, found, department, result))
        return None
    return result


async def _stored(
    intake: MailIntake, found: Found, mail: InboundMail, department: str | None
) -> Outcome:
    """Store one parsed mail; a fault of the mail's own quarantines it."""
    assert found.raw is not None
    try:
        return await intake.take(mail, found.raw, found.source, department=department)
    except ConsoleError:
        raise  # the database itself refused (busy, unreachable): stop, nothing half done
    except Exception as exc:  # this mail's fault: quarantine it
        reason = f"it could not be stored ({type(exc).__name__}: {str(exc)[:200]})"
        return await _hold(intake, found, department, reason)


async def take_one(
    intake: MailIntake, found: Found, department: str | None, report: Report
) -> Outcome | None:
    """Parse and store one mail in its own transaction, never raising for the mail's own
    faults; None when it went to quarantine before it could be parsed."""
    mail = await _parsed(intake, found, department, report)
    if mail is None:
        return None
    started = time.perf_counter()
    outcome = await _stored(intake, found, mail, department)
    report.store_seconds += time.perf_counter() - started
    report.count(found, outcome)
    return outcome


def _groups(
    mails: Iterable[Found], size: int, stop: Callable[[], bool] | None
) -> Iterator[list[Found]]:
    """The mails in groups of ``size``; ``stop`` is asked before each mail is read."""
    group: list[Found] = []
    for found in mails:
        if stop is not None and stop():
            break
        group.append(found)
        if len(group) >= size:
            yield group
            group = []
    if group:
        yield group


def _fresh_process() -> multiprocessing.context.BaseContext:
    """How the parsing process starts: from a fresh interpreter that imports the parser
    and nothing else, not even the program's main module (forking a process that runs
    threads, as the console's database connections do, is not safe)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["console.mail.importing"])
        return context
    return multiprocessing.get_context("spawn")


class _Parsing:
    """Parsing ahead for a large import: while one group of mails is stored, the next is
    parsed in a process of its own (on another core).  It starts with the second group,
    so an import of a few mails never pays for starting it."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None

    def start(self, group: list[Found]) -> asyncio.Future[tuple[list[InboundMail | str], float]]:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(1, mp_context=_fresh_process())
        work = [(f.raw, f.size) for f in group]
        return asyncio.get_running_loop().run_in_executor(self.pool, parse_many, work)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


async def import_mail(
    intake: MailIntake,
    mails: Iterable[Found],
    *,
    department: str | None = None,
    progress: Callable[[Report], None] | None = None,
    done: Callable[[Found], Awaitable[None]] | None = None,
    stop: Callable[[], bool] | None = None,
    batch: int = 100,
) -> Report:
    """Import every mail, up to ``batch`` mails a transaction (a mail the batch cannot
    take is then stored alone, or quarantined).  ``done`` is awaited after each mail is
    committed (the worker marks it seen then), ``progress`` called after each batch;
    ``stop`` is asked before each mail is read (SIGTERM ends the worker after the current
    batch; mails read ahead and not stored stay in their mailbox).  Beyond the first
    batch, the next batch is parsed in another process while one is stored."""
    report = Report()
    groups = _groups(mails, batch, stop)
    parsing = _Parsing()
    try:
        group = next(groups, None)
        parsed: list[InboundMail | str] | None = None
        while group is not None:
            following = next(groups, None)
            ahead = parsing.start(following) if following is not None else None
            if parsed is None:
                started = time.perf_counter()
                parsed = [_parse_found(f.raw, f.size) for f in group]
                report.parse_seconds += time.perf_counter() - started
            await _store(intake, group, parsed, department, report, done)
            if progress is not None:
                progress(report)
            if stop is not None and stop():
                break  # the mails read ahead stay where they are, for the next run
            group, parsed = following, None
            if ahead is not None:
                try:
                    parsed, seconds = await ahead
                    report.parse_seconds += seconds
                except BrokenProcessPool:  # the parsing process died: parse here
                    parsing.close()
                    parsed, parsing = None, _Parsing()
    finally:
        parsing.close()
    if progress is not None:
        progress(report)
    return report


async def _store(
    intake: MailIntake,
    group: list[Found],
    parsed: list[InboundMail | str],
    department: str | None,
    report: Report,
    done: Callable[[Found], Awaitable[None]] | None,
) -> None:
    """Store one batch of parsed mails in one transaction (the unreadable ones are
    quarantined first); when one mail spoils the batch, each alone."""
    pending: list[tuple[Found, InboundMail]] = []
    for found, result in zip(group, parsed, strict=True):
        mail = await _kept_or_held(intake, found, result, department, report)
        if mail is None:
            if done is not None:
                await done(found)
            continue
        pending.append((found, mail))
    if not pending:
        return
    started = time.perf_counter()
    items = [Incoming(m, f.raw or b"", f.source, department) for f, m in pending]
    try:
        outcomes = await intake.take_many(items)
    except ConsoleError:
        raise
    except Exception:  # one mail spoiled the batch: each alone now
        outcomes = [await _stored(intake, f, m, department) for f, m in pending]
    report.store_seconds += time.perf_counter() - started
    for (found, _mail), outcome in zip(pending, outcomes, strict=True):
        report.count(found, outcome)
        if done is not None:
            await done(found)
