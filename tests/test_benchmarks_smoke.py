"""The benchmark suite at a tiny size, as CI runs it: every figure is measured and written
to the JSON, and the parts that are about correctness hold (no lost or double-applied
action under eight agents; no query plan wrong beyond the known ones).  Timing budgets
are not asserted here: CI machines are too noisy for them."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL
from tests.test_query_plans import FROM_OWN_SET, TEMP_SORT_COUNTS, window_sorts_in_temp_tree

ROOT = Path(__file__).resolve().parent.parent

FIGURES = {
    "search.invoice",
    "search.duplicate_charge",
    "bulk.close",
    "demo.generation",
    "plans.wrong",
    "startup.blank",
    "startup.floor",
    "startup.console",
    "keys.cursor_down",
    "keys.page_down",
    "keys.stage_switch",
    "keys.view_switch",
    "keys.open_ticket",
    "bytes.full_repaint",
    "bytes.cursor_down",
    "bytes.page_down",
    "bytes.mouse_motion",
    "memory.size_difference",
    "memory.page_down_growth",
    "datalayer.overhead_counts",
    "datalayer.overhead_window",
    "datalayer.overhead_ticket",
    "statements.open_queue",
    "statements.cursor_to_a_ticket",
    "statements.pick_up",
    "statements.schedule",
    "statements.start",
    "statements.reply",
    "statements.close",
    "concurrency.sqlite.throughput",
    "concurrency.sqlite.p95",
    "concurrency.sqlite.correct",
    "concurrency.pg.throughput",
    "concurrency.pg.p95",
    "concurrency.pg.correct",
}


def _known_wrong_plan(role: str, query: str, problems: list[str]) -> bool:
    """The wrong plans ``tests/test_query_plans.py`` marks as expected failures, and the
    sort of a view that starts from a small set of its own (its plan's shape, reading
    that set by its index, is checked there)."""
    if query.startswith("counts "):
        view = query.removeprefix("counts ")
        if view in FROM_OWN_SET:
            return all("USE TEMP B-TREE" in p for p in problems)
        return (role, view) in TEMP_SORT_COUNTS
    if query.startswith("window "):
        view, stage, sort = query.removeprefix("window ").split(" / ")
        if view in FROM_OWN_SET:
            return all("USE TEMP B-TREE" in p for p in problems)
        return window_sorts_in_temp_tree(view, stage, sort)
    return False


def _limit(budget: str) -> tuple[str, float] | None:
    """A budget's comparison and its bound: "p95 <= 16.7 ms" is ("<=", 16.7), "< 5 s" is
    ("<", 5), "<= 1.25x floor = 474 ms" ("<=", 474: the bound worked out), "0" ("==", 0).
    None for a budget in words ("queue not redrawn", "0 lost, 0 double, 0 errors")."""
    numbers = re.findall(r"\d[\d,]*(?:\.\d+)?", budget)
    if not numbers or not re.search(r"<|^\s*\d+\s*$", budget):
        return None
    bound = float(numbers[-1].replace(",", ""))
    if "<" not in budget:
        return "==", bound
    return ("<=" if "<=" in budget else "<"), bound


def _holds(op: str, value: float, bound: float) -> bool:
    return {"<=": value <= bound, "<": value < bound, "==": value == bound}[op]


def test_the_budget_reader_reads_each_kind_of_budget() -> None:
    assert _limit("p95 <= 16.7 ms") == ("<=", 16.7)
    assert _limit("< 120 s") == ("<", 120)
    assert _limit("<= 1.25x floor = 474 ms") == ("<=", 474)
    assert _limit("<= max(1.3x raw, raw + 35 ms) = 79.0 ms") == ("<=", 79.0)
    assert _limit("<= full repaint (31,205 B)") == ("<=", 31205)
    assert _limit("0") == ("==", 0)
    assert _limit("queue not redrawn") is None
    assert _limit("0 lost, 0 double, 0 errors") is None


@pytest.mark.slow
def test_a_tiny_run_measures_every_figure(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    argv = [
        sys.executable, "-m", "benchmarks", "--quick",
        "--tickets", "2000", "--small", "500", "--presses", "3", "--runs", "1",
        "--pages", "10", "--repeats", "3",
        "--workdir", str(tmp_path / "work"), "--json", str(results),
    ]  # fmt: skip
    argv += ["--pg", PG_URL, "--drop-pg"] if PG_URL else ["--no-pg"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
    done = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(results.read_text(encoding="utf-8"))
    figures = {f["key"]: f for f in report["figures"]}

    errors = {k: f["details"] for k, f in figures.items() if k.startswith("error.")}
    assert not errors, errors
    assert set(figures) >= FIGURES, sorted(FIGURES - set(figures))
    checked = 0
    for key in FIGURES:
        figure = figures[key]
        if figure["skipped"] is not None:
            continue
        value = figure["value"]
        assert isinstance(value, int | float) and math.isfinite(value), figure
        if figure["unit"] in ("ms", "s"):
            assert value > 0, figure  # nothing takes no time: a timing that measured nothing
        if not figure["budget"]:
            assert figure["holds"] is None, figure  # only reported
            continue
        assert isinstance(figure["holds"], bool), figure
        limit = _limit(figure["budget"])
        if limit is None:
            continue
        op, bound = limit
        if bound and abs(value - bound) <= 0.01 * bound:
            continue  # on the bound, as rounded for the JSON: either verdict is right
        # The verdict is the comparison of the figure with its budget, both as reported.
        assert figure["holds"] is _holds(op, value, bound), figure
        checked += 1
    assert checked >= 10, checked
    assert report["budgets_failed"] == [k for k, f in figures.items() if f["holds"] is False]
    assert report["machine"]["cores"] and report["machine"]["sqlite"]

    # Correctness, whatever the machine's speed.
    for backend in ("sqlite", "pg"):
        figure = figures[f"concurrency.{backend}.correct"]
        if backend == "pg" and not PG_URL:
            assert figure["skipped"], figure
            continue
        assert figure["holds"] is True, figure["details"]
        assert figures[f"concurrency.{backend}.throughput"]["details"]["actions"] > 0
    wrong = figures["plans.wrong"]["details"]["wrong"]
    unexpected = [w for w in wrong if not _known_wrong_plan(w["role"], w["query"], w["problems"])]
    assert not unexpected, unexpected
    assert figures["bytes.full_repaint"]["value"] > 0
    bulk = figures["bulk.close"]["details"]["report"]
    assert bulk.startswith("Close: ") and "refused" not in bulk, bulk
    assert "queue_redrawn" in figures["bytes.mouse_motion"]["details"]
