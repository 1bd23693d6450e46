"""``agent-console worker``: read the config's mailboxes into tickets until stopped, or
once (``--once``)."""

from __future__ import annotations

import argparse
import asyncio
import signal

from console.cli.output import err, print_json
from console.cli.parser import Commands, common, json_flag
from console.cli.session import opened, target
from console.config import Settings


def register(commands: Commands) -> None:
    """``worker [--once] [--json]``."""
    worker = commands.add_parser(
        "worker", help="read the mailboxes of the config into tickets, until stopped"
    )
    common(worker)
    json_flag(worker)
    worker.add_argument(
        "--once", action="store_true", help="one pass over the mailboxes, then exit"
    )
    worker.set_defaults(run=_run)


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from console.priority import goes_apart, lower_priority, run_apart, stay_with_parent
    from console.worker import Worker

    if args.own_process:
        stay_with_parent()
        lower_priority(settings.worker_nice)
    async with opened(target(args, settings)) as db:
        if args.own_process and goes_apart(settings.worker_nice):
            # Its niceness counts only within its session: the work gets one of its own.
            return await run_apart(db.url.password)
        quiet = args.json
        worker = Worker(db, settings, say=(lambda _line: None) if quiet else err)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, worker.stop.set)
        try:
            results = await worker.run(once=args.once)
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        if args.json and args.once:
            print_json(
                {
                    "mailboxes": [r.as_json() for r in results],
                    "reminders": worker.reminders,
                    **worker.mail_out,
                }
            )
        elif not args.once and not quiet:
            err("The worker stopped.")
    return 0
