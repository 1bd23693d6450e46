"""The benchmark suite at a tiny size, as CI runs it: every figure is measured and written
to the JSON, and the parts that are about correctness hold (no lost or double-applied
action under eight agents; no query plan wrong beyond the known ones).  Timing budgets
are not asserted here: CI machines are too noisy for them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL
from tests.test_query_plans import TEMP_SORT_COUNTS, window_sorts_in_temp_tree

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


def _known_wrong_plan(role: str, query: str) -> bool:
    """The wrong plans ``tests/test_query_plans.py`` marks as expected failures."""
    if query.startswith("counts "):
        return (role, query.removeprefix("counts ")) in TEMP_SORT_COUNTS
    if query.startswith("window "):
        view, stage, sort = query.removeprefix("window ").split(" / ")
        return window_sorts_in_temp_tree(view, stage, sort)
    return False


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
    for key in FIGURES:
        figure = figures[key]
        if figure["skipped"] is None:
            assert figure["value"] is not None, figure
        if figure["budget"] and figure["skipped"] is None:
            assert figure["holds"] in (True, False), figure
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
    unexpected = [w for w in wrong if not _known_wrong_plan(w["role"], w["query"])]
    assert not unexpected, unexpected
    assert figures["bytes.full_repaint"]["value"] > 0
    bulk = figures["bulk.close"]["details"]["report"]
    assert bulk.startswith("Close: ") and "refused" not in bulk, bulk
    assert "queue_redrawn" in figures["bytes.mouse_motion"]["details"]
