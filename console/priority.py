"""The worker's CPU priority: below the consoles on the same machine.

``lower_priority`` lowers this process's niceness, every thread; the threads and
processes it starts later inherit it.

On Linux with autogroups (``/proc/sys/kernel/sched_autogroup_enabled``, the default of
most distributions) that alone is not enough.  The scheduler first shares the CPU between
sessions (a terminal, an SSH login: each its own group), and only then by niceness within
one.  A worker started at nice 10 in an administrator's terminal took as much CPU as the
console in an agent's SSH session (on two cores, the console's cursor p95 was 53-110 ms
while the worker imported, against 6 ms quiet).  So a command started in a session it
shares (``goes_apart``) runs its work again in a session of its own (``run_apart``),
whose group it gives the same niceness (``/proc/self/autogroup``).  The process started
at the terminal waits for it, passes on ctrl+c and SIGTERM (a closed terminal's SIGHUP as
SIGTERM: the work stops cleanly, as after ctrl+c) and ends with its exit status; if it is
killed, the work is told to stop (SIGTERM).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from pathlib import Path

AUTOGROUPS = Path("/proc/sys/kernel/sched_autogroup_enabled")
OWN_GROUP = Path("/proc/self/autogroup")
#: Set for the work run apart: the process that waits for it.
PARENT_ENV = "AGENT_CONSOLE_APART_FROM"
#: Linux prctl(2): the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1


def autogroups() -> bool:
    """Whether the scheduler shares the CPU between sessions first (Linux autogroups)."""
    try:
        return AUTOGROUPS.read_text().strip() == "1"
    except OSError:  # not Linux, or a kernel without them
        return False


def leads_its_session() -> bool:
    """Whether this process leads a session of its own (started by systemd, cron, setsid,
    or by ``run_apart``), rather than sharing a terminal's."""
    return hasattr(os, "getsid") and os.getsid(0) == os.getpid()


def lower_priority(nice: int) -> None:
    """Lower this process's CPU priority to niceness ``nice``, so that the consoles on the
    same machine are served first; with autogroups, its session's group's too when it
    leads that session.  Never raises a priority (``nice -n 15 agent-console worker``
    stays at 15)."""
    if not hasattr(os, "setpriority"):  # not POSIX
        return
    if os.getpriority(os.PRIO_PROCESS, 0) < nice:
        threads = [0]
        with contextlib.suppress(OSError):  # Linux: every thread has a niceness of its own
            threads = [int(tid) for tid in os.listdir("/proc/self/task")]
        for tid in threads:
            with contextlib.suppress(OSError):
                if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                    os.setpriority(os.PRIO_PROCESS, tid, nice)
    if nice > 0 and autogroups() and leads_its_session():
        _lower_group(nice)


def group_nice() -> int | None:
    """The niceness of this process's autogroup (``/autogroup-85 nice 0``); None when it
    cannot be read."""
    try:
        return int(OWN_GROUP.read_text().rsplit("nice", 1)[1])
    except (OSError, ValueError, IndexError):
        return None


def _lower_group(nice: int) -> None:
    current = group_nice()
    if current is not None and current < nice:
        with contextlib.suppress(OSError):  # refused: the niceness of the process stays
            OWN_GROUP.write_text(str(nice))


def goes_apart(nice: int) -> bool:
    """Whether this command should run its work in a session of its own: a lowered
    priority, autogroups, and a session shared with the terminal's other programs."""
    return nice > 0 and autogroups() and not leads_its_session()


async def run_apart(db_password: str | None) -> int:
    """Run this process's command line again in a session of its own and wait for it;
    its exit status (128 + N for signal N).  ``db_password``: the database's, as found
    (typed, perhaps: the work apart has no terminal to ask at)."""
    from console.credentials import ENV_PASSWORD

    argv = [sys.executable, "-m", "console", *sys.argv[1:]]
    child_env = dict(os.environ, **{PARENT_ENV: str(os.getpid())})
    if db_password is not None:
        child_env[ENV_PASSWORD] = db_password
    process = await asyncio.create_subprocess_exec(*argv, env=child_env, start_new_session=True)
    loop = asyncio.get_running_loop()
    passed = {signal.SIGINT: signal.SIGINT, signal.SIGTERM: signal.SIGTERM}
    passed[signal.SIGHUP] = signal.SIGTERM

    def pass_on(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)

    for sig, sent in passed.items():
        loop.add_signal_handler(sig, pass_on, sent)
    try:
        code = await process.wait()
    finally:
        for sig in passed:
            loop.remove_signal_handler(sig)
    return 128 - code if code < 0 else code


def is_apart() -> bool:
    """Whether this process is the work ``run_apart`` started (the process that waits for
    it has said what there was to say about the start, such as where the database's
    password came from)."""
    return PARENT_ENV in os.environ


def stay_with_parent() -> None:
    """In the work run apart: be told to stop (SIGTERM) when the process that waits for
    it dies, and stop at once if it died already."""
    parent = os.environ.get(PARENT_ENV)
    if parent is None:
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if str(os.getppid()) != parent:  # it died before we were told to follow it
        os.kill(os.getpid(), signal.SIGTERM)
