"""Figures: what was measured, its budget and whether it holds; the table and the JSON."""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One measured figure.

    ``holds`` is True or False when the figure has a budget, None when it is only
    reported (a reference, a breakdown) or was skipped (``skipped`` says why).
    """

    key: str
    title: str
    value: float | None
    unit: str
    budget: str = ""
    holds: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    """The median (the 50th percentile)."""
    return percentile(values, 50)


def ms(seconds: float) -> float:
    """Seconds to milliseconds, rounded to 0.01 ms."""
    return round(seconds * 1000, 2)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    memory_kib = 0
    with open("/proc/meminfo", encoding="ascii") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "textual": metadata.version("textual"),
        "sqlalchemy": metadata.version("sqlalchemy"),
        "aiosqlite": metadata.version("aiosqlite"),
        "asyncpg": metadata.version("asyncpg"),
    }


def _value(figure: Figure) -> str:
    if figure.skipped is not None:
        return "skipped"
    if figure.value is None:
        return "error" if "error" in figure.details else "-"
    value = figure.value
    if figure.unit == "B":
        text = f"{value:,.0f} B"
    elif abs(value) >= 100:
        text = f"{value:,.0f} {figure.unit}"
    else:
        text = f"{value:.3g} {figure.unit}"
    extra = figure.details.get("shown")
    return f"{text} ({extra})" if extra else text


def _verdict(figure: Figure) -> str:
    if figure.skipped is not None:
        return "skip"
    if figure.holds is None:
        return ""
    return "ok" if figure.holds else "FAIL"


def table(figures: Iterable[Figure]) -> str:
    """The figures as a plain-text table: figure, value, budget, holds."""
    rows = [("figure", "value", "budget", "holds")]
    rows += [(f.title, _value(f), f.budget, _verdict(f)) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(figures: Iterable[Figure]) -> str:
    """The figures as a Markdown table (for RESULTS.md)."""
    lines = ["| figure | value | budget | holds |", "|---|---|---|---|"]
    for f in figures:
        cells = [f.title, _value(f), f.budget, _verdict(f) or "(reported)"]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def write_json(path: Path, run: dict[str, Any], figures: Sequence[Figure]) -> None:
    """Everything measured, for scripts and for comparing runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = dict(run)
    document["figures"] = [asdict(f) for f in figures]
    document["budgets_failed"] = [f.key for f in figures if f.holds is False]
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
