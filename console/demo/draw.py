"""Drawing from tables with one ``random()`` each: the generator's only source of chance.

Everything is drawn from one ``random.Random`` in a fixed order, so the same seed always
gives the same demo; these helpers keep each draw to a single call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def cumulative(weights: Sequence[float]) -> list[float]:
    """Cumulative shares for picking by ``bisect`` on one ``random()``."""
    total = sum(weights)
    running = 0.0
    cum = []
    for weight in weights:
        running += weight / total
        cum.append(running)
    cum[-1] = 1.0
    return cum


def pick(rand: Callable[[], float], choices: Sequence[Any]) -> Any:
    """One of ``choices``: ``random.choice`` without its per-call overhead."""
    return choices[int(rand() * len(choices))]
