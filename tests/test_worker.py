"""The worker on Maildir mailboxes: one pass, mail arriving while it runs, SIGTERM, and
one active worker per database with takeover when it dies (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.cli import main
from console.config import load_settings
from console.data.db import Database
from console.data.schema import ensure_schema
from console.priority import autogroups
from console.worker import Worker
from tests.conftest import Desk

CORPUS = Path(__file__).with_name("mail")
ROOT = Path(__file__).resolve().parent.parent


def maildir(tmp_path: Path) -> Path:
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True, exist_ok=True)
    return box


def deliver(box: Path, name: str, index: int) -> Path:
    """Deliver a corpus mail as maildir(5) does: written in tmp/, then moved to new/."""
    tmp = box / "tmp" / f"{1700000000 + index}.M{index}P7.host"
    shutil.copy(CORPUS / name, tmp)
    return tmp.rename(box / "new" / tmp.name)


def config(tmp_path: Path, box: Path, poll: float = 60) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[[mailboxes]]\ndepartment = "Billing"\nmaildir = "{box}"\npoll_seconds = {poll}\n'
    )
    return path


async def tickets(db: Database) -> list[int]:
    from console.data.directory import resolve_actor
    from console.data.queries import Queries, QueueQuery

    actor = await resolve_actor(db, login="root")
    numbers, _ = await Queries(db, actor).numbers(QueueQuery())
    return sorted(numbers)


async def first_tickets(db: Database) -> list[int]:
    """The tickets, once there are any (or after 30 s, none: the caller's assert fails)."""
    for _ in range(600):
        found = await tickets(db)
        if found:
            return found
        await asyncio.sleep(0.05)
    return []


def test_config_mailboxes_are_read_and_mistakes_reported(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[[mailboxes]]\ndepartment = "Billing"\nmaildir = "~/Maildir"\n\n'
        '[[mailboxes]]\ndepartment = "Network"\nimap = "imaps://sup@mail.example:993/INBOX"\n'
        'poll_seconds = 15\nmove_to = "Done"\n\n'
        '[[mailboxes]]\ndepartment = "Sales"\n\n'
        '[[mailboxes]]\ndepartment = "X"\nimap = "http://nope"\npol_seconds = 3\n'
    )
    settings = load_settings(path)
    assert [
        (m.department, m.maildir, m.imap, m.poll_seconds, m.move_to) for m in settings.mailboxes
    ] == [
        ("Billing", Path("~/Maildir").expanduser(), None, 60.0, None),
        ("Network", None, "imaps://sup@mail.example:993/INBOX", 15.0, "Done"),
    ]
    problems = "\n".join(settings.problems)
    assert "line 11: mailbox of 'Sales' needs either maildir or imap; skipped." in problems
    assert "[[mailboxes]] has no setting pol_seconds (did you mean poll_seconds?)" in problems
    assert "imap must be a URL such as" in problems


def test_worker_nice_is_read_and_mistakes_reported(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    assert load_settings(path).worker_nice == 10  # no file: the default
    path.write_text("[worker]\nnice = 15\n")
    assert load_settings(path).worker_nice == 15
    path.write_text("[worker]\nnice = 25\nniceness = 3\n")
    settings = load_settings(path)
    assert settings.worker_nice == 10
    problems = "\n".join(settings.problems)
    assert "line 2: [worker] nice must be a whole number from 0 (as started) to 19" in problems
    assert "line 3: [worker] has no setting niceness; ignored." in problems


def test_worker_once_imports_and_marks_seen_after_commit(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box = maildir(tmp_path)
    first = deliver(box, "01-new-plain.eml", 1)
    second = deliver(box, "02-reply-by-references-only.eml", 2)
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(config(tmp_path, box)))
    db = str(desk.db.url.render_as_string(hide_password=False))
    capsys.readouterr()
    assert main(["worker", "--once", "--json", "--db", db]) == 0
    shown = json.loads(capsys.readouterr().out)
    [result] = shown["mailboxes"]
    assert (shown["sent"], shown["failed"], shown["queued"], shown["auto_closed"]) == (0, 0, 0, [])
    assert (result["mailbox"], result["department"], result["error"]) == (str(box), "Billing", None)
    assert (result["created"], result["threaded"]) == ([1001], [1001])
    assert sorted(p.name for p in (box / "cur").iterdir()) == sorted(
        [first.name + ":2,S", second.name + ":2,S"]
    )
    assert list((box / "new").iterdir()) == []
    assert main(["worker", "--once", "--json", "--db", db]) == 0
    [again] = json.loads(capsys.readouterr().out)["mailboxes"]
    assert (again["created"], again["threaded"], again["duplicates"]) == ([], [], 0)


async def test_mail_delivered_while_the_worker_runs_is_picked_up(
    desk: Desk, tmp_path: Path
) -> None:
    box = maildir(tmp_path)
    settings = load_settings(config(tmp_path, box, poll=0.05))
    lines: list[str] = []
    worker = Worker(desk.db, settings, say=lines.append)
    running = asyncio.create_task(worker.run())
    deliver(box, "01-new-plain.eml", 1)
    assert await first_tickets(desk.db) == [1001]
    worker.stop.set()
    assert await asyncio.wait_for(running, 10) == []
    assert any("1 tickets made" in line for line in lines)
    assert await worker.lock.holder_now() is None  # given back


def niceness(pid: int) -> set[int]:
    """The niceness of each thread of the process (Linux gives each its own)."""
    threads = os.listdir(f"/proc/{pid}/task")
    return {os.getpriority(os.PRIO_PROCESS, int(tid)) for tid in threads}


def _spawn(db: str, cfg: Path, tmp_path: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), AGENT_CONSOLE_CONFIG=str(cfg))
    return subprocess.Popen(
        [sys.executable, "-m", "console", "worker", "--db", db],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
    )


def children(pid: int) -> list[int]:
    """The processes ``pid`` started that are still running (Linux)."""
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found if not gone(int(child))]


def gone(pid: int) -> bool:
    """Whether the process has ended (a zombie nobody reaped has ended too)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def autogroup(pid: int) -> str:
    """The process's autogroup and its niceness (``/autogroup-85 nice 0``)."""
    return Path(f"/proc/{pid}/autogroup").read_text().strip()


def wait_gone(pid: int) -> bool:
    for _ in range(200):
        if gone(pid):
            return True
        time.sleep(0.05)
    return False


needs_autogroups = pytest.mark.skipif(
    not autogroups(),
    reason="the kernel shares no CPU by session (no autogroups): a worker needs no session",
)


async def _wait_until_held(worker: Worker, process: subprocess.Popen[str]) -> None:
    """Until the spawned worker holds the lock (the in-process one cannot take it)."""
    for _ in range(600):
        assert process.poll() is None, process.communicate()
        if not await worker.lock.take():
            return
        await worker.lock.give_back()
        await asyncio.sleep(0.05)
    raise AssertionError("the spawned worker never became active")


async def test_one_active_worker_and_takeover_when_it_dies(desk: Desk, tmp_path: Path) -> None:
    box = maildir(tmp_path)
    cfg = config(tmp_path, box, poll=0.1)
    db = desk.db.url.render_as_string(hide_password=False)
    first = _spawn(db, cfg, tmp_path)
    try:
        lines: list[str] = []
        second = Worker(desk.db, load_settings(cfg), say=lines.append)
        await _wait_until_held(second, first)
        running = asyncio.create_task(second.run())
        for _ in range(100):
            if lines:
                break
            await asyncio.sleep(0.05)
        assert lines == ["Another worker is active on this database; waiting to take over."]
        apart = children(first.pid) if autogroups() else []
        first.send_signal(signal.SIGKILL)  # dies without giving the lock back
        first.wait(10)
        # Its work, run apart in a session of its own, is told to stop with it.
        assert all(wait_gone(pid) for pid in apart)
        deliver(box, "01-new-plain.eml", 1)
        started = time.monotonic()
        assert await first_tickets(desk.db) == [1001]
        took = time.monotonic() - started
        assert "The other worker stopped; this one is now active." in lines
        print(f"took over in {took:.1f} s")
        second.stop.set()
        await asyncio.wait_for(running, 10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(10)


async def test_sigterm_ends_the_worker_cleanly(desk: Desk, tmp_path: Path) -> None:
    box = maildir(tmp_path)
    cfg = config(tmp_path, box, poll=0.1)
    db = desk.db.url.render_as_string(hide_password=False)
    process = _spawn(db, cfg, tmp_path)
    try:
        deliver(box, "01-new-plain.eml", 1)
        assert await first_tickets(desk.db) == [1001]
        # The worker gives the consoles on its machine the CPU first: nice 10, every thread.
        assert niceness(process.pid) == {max(10, os.getpriority(os.PRIO_PROCESS, 0))}
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
        assert err.strip().endswith("The worker stopped.")
        other = Worker(desk.db, load_settings(cfg))
        assert await other.lock.take()  # the lock was given back
        await other.lock.give_back()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


async def test_worker_nice_zero_leaves_the_priority_as_started(desk: Desk, tmp_path: Path) -> None:
    box = maildir(tmp_path)
    cfg = config(tmp_path, box, poll=0.1)
    cfg.write_text(cfg.read_text() + "\n[worker]\nnice = 0\n")
    db = desk.db.url.render_as_string(hide_password=False)
    process = _spawn(db, cfg, tmp_path)
    try:
        deliver(box, "01-new-plain.eml", 1)
        assert await first_tickets(desk.db) == [1001]
        assert niceness(process.pid) == {os.getpriority(os.PRIO_PROCESS, 0)}
        assert children(process.pid) == []  # nothing lowered: no session of its own
    finally:
        process.kill()
        process.wait(10)


async def test_a_fresh_database_is_migrated_first(tmp_path: Path) -> None:
    from console.data.db import make_engine

    db = make_engine(tmp_path / "w.db")
    await ensure_schema(db)
    worker = Worker(db, load_settings(config(tmp_path, maildir(tmp_path))))
    assert await worker.run(once=True) != []
    await db.dispose()


@needs_autogroups
async def test_a_worker_started_at_a_terminal_works_in_a_session_of_its_own(
    desk: Desk, tmp_path: Path
) -> None:
    """The kernel shares the CPU between sessions before niceness counts: a worker at nice
    10 in an administrator's terminal took as much as an agent's console over SSH.  Its
    work runs in a session of its own at nice 10; ctrl+c at the terminal still stops it
    cleanly."""
    box = maildir(tmp_path)
    cfg = config(tmp_path, box, poll=0.1)
    db = desk.db.url.render_as_string(hide_password=False)
    process = _spawn(db, cfg, tmp_path)  # in the session of the test, as at a terminal
    try:
        deliver(box, "01-new-plain.eml", 1)
        assert await first_tickets(desk.db) == [1001]
        [work] = children(process.pid)
        assert os.getsid(work) == work != os.getsid(process.pid)
        started = os.getpriority(os.PRIO_PROCESS, 0)
        assert niceness(work) == {max(10, started)}
        assert autogroup(work).endswith(" nice 10")  # its session's group, as lowered
        assert autogroup(work) != autogroup(os.getpid())
        process.send_signal(signal.SIGINT)  # ctrl+c reaches the process at the terminal
        _, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
        assert err.strip().endswith("The worker stopped.")
        assert err.count("The worker stopped.") == 1
        assert wait_gone(work)
        other = Worker(desk.db, load_settings(cfg))
        assert await other.lock.take()  # the work apart gave the lock back
        await other.lock.give_back()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


@needs_autogroups
def test_worker_once_json_from_a_terminal_reports_the_work_done_apart(
    desk: Desk, tmp_path: Path
) -> None:
    box = maildir(tmp_path)
    deliver(box, "01-new-plain.eml", 1)
    cfg = config(tmp_path, box)
    db = desk.db.url.render_as_string(hide_password=False)
    env = dict(os.environ, PYTHONPATH=str(ROOT), AGENT_CONSOLE_CONFIG=str(cfg))
    done = subprocess.run(
        [sys.executable, "-m", "console", "worker", "--once", "--json", "--db", db],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    [result] = json.loads(done.stdout)["mailboxes"]
    assert result["created"] == [1001]
