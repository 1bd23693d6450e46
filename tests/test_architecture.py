"""The shape of the house: no import circle among the console's modules, SQLAlchemy only in
the data layer (and the demo generator), the layers' contracts (import-linter, as CI runs
them), and every action of the table reachable from each place that lists actions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from console.data.actions import ACTIONS, BULK, BY_ID, KEYED, Action
from console.screens.ticket_forms import FORMS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("console", include_external_packages=True)


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The import circles among the console's own modules (strongly connected parts of
    more than one module), found with Tarjan's algorithm."""
    modules = sorted(m for m in graph.modules if m.startswith("console"))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if not imported.startswith("console"):
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == module:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_the_console_has_no_import_circle(graph: grimp.ImportGraph) -> None:
    assert cycles(graph) == []


def test_sqlalchemy_is_imported_only_by_the_data_layer_and_the_demo(
    graph: grimp.ImportGraph,
) -> None:
    # External packages are one node each: ``from sqlalchemy.engine import URL`` counts.
    outside = sorted(
        module
        for module in graph.find_modules_that_directly_import("sqlalchemy")
        if module.startswith("console") and not module.startswith(("console.data", "console.demo"))
    )
    assert outside == []


def test_the_import_contracts_hold() -> None:
    """The contracts of pyproject.toml's [tool.importlinter], as CI checks them."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout, result.stdout


def test_every_action_of_the_table_has_what_it_names() -> None:
    from console.data.tickets import TicketService

    for action in ACTIONS:
        assert callable(getattr(TicketService, action.method, None)), action.id
        if action.form is not None:
            assert action.form in FORMS, action.id
    # Every rule of the workflow is an action of the table, and the other way round.
    assert {a.rule for a in ACTIONS if a.rule} == set(Action)
    assert all(BY_ID[a.value].rule is a for a in Action)
    # Keys are unique among the keyed actions and bulk ones are keyed.
    keys = [k for a in KEYED for k in a.keys.split(",")]
    assert len(keys) == len(set(keys))
    assert set(BULK) <= set(KEYED)
