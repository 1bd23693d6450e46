"""The demo's attachments: small, plausible files made up on the spot.

Each is real content (its size and SHA-256 are those of its bytes), so saving one from
the console gives a file that opens and reads like the kind it claims to be.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta


def attachment(rng: random.Random, slots: dict[str, str], when: datetime) -> tuple[str, str, bytes]:
    """A small, plausible file of 1-6 KB: a server log, an invoice extract or a traceroute."""
    kind = rng.randrange(3)
    target = rng.randint(1024, 6144)
    lines: list[str] = []
    line: Callable[[int], str]
    if kind == 0:
        name, media_type = f"{slots['host']}-syslog.log", "text/plain"
        entries = (
            "kernel: eth0: link down", "kernel: eth0: link up 1000Mbps full duplex",
            "sshd[812]: Accepted publickey for deploy", "CRON[2231]: (root) CMD (backup.sh)",
            "nginx[1190]: upstream timed out (110: Connection timed out)",
            "systemd[1]: Started Daily clean-up of temporary directories.",
        )  # fmt: skip
        start = when - timedelta(hours=3)
        offsets = [0]

        def line(_n: int) -> str:
            offsets[0] += rng.randint(1, 240)
            at = start + timedelta(seconds=offsets[0])
            return f"{at:%Y-%m-%dT%H:%M:%SZ} {slots['host']} {rng.choice(entries)}"

    elif kind == 1:
        name, media_type = f"{slots['invoice'].lower()}.csv", "text/csv"
        items = ("Cloud Hosting Pro", "Business Email seat", "Backup Plus 100 GB", "Managed VPS",
                 "SSL certificate", "Support hour")  # fmt: skip
        lines.append("line,description,quantity,unit_price_eur,total_eur")

        def line(n: int) -> str:
            quantity, price = rng.randint(1, 25), rng.randint(5, 400)
            return f"{n},{rng.choice(items)},{quantity},{price}.00,{quantity * price}.00"

    else:
        name = f"traceroute-{slots['site'].replace(' ', '-').lower()}.txt"
        media_type = "text/plain"
        lines.append(f"traceroute to {slots['ip']}, 30 hops max, 60 byte packets")

        def line(n: int) -> str:
            return (
                f"{n:2d}  198.51.100.{rng.randint(1, 254)}  {rng.uniform(0.5, 40):.3f} ms  "
                f"{rng.uniform(0.5, 40):.3f} ms  {rng.uniform(0.5, 60):.3f} ms"
            )

    size = sum(len(x.encode()) + 1 for x in lines)
    while size < target:
        lines.append(line(len(lines)))
        size += len(lines[-1].encode()) + 1
    return name, media_type, "".join(x + "\n" for x in lines).encode()
