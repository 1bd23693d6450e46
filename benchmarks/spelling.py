"""Spellcheck on a corpus of support text with known misspellings
(``tests/data/spelling_corpus.txt``, each marked ``[[like this]]``): precision (of the
words flagged, how many are misspelled), recall (of the misspelled words, how many are
flagged) and the time to check a 5,000-word reply, against their budgets.

    python -m benchmarks.spelling            # the corpus and the checker
    python -m benchmarks.spelling --typing   # and keystroke p95 in a 5,000-word reply

``--typing`` runs the console in a pseudo-terminal on a small demo, pastes a 5,000-word
reply into the reply form and times each typed key to its first frame, with spellcheck
on and off, alternated (the same measurement as ``benchmarks.keys``).
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from console.spelling import Speller

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "spelling_corpus.txt"
_MARKED = re.compile(r"\[\[([^\]]+)\]\]")

#: The floors (the measured figures, less a margin) and the budget of a full check.
PRECISION_FLOOR = 0.90
RECALL_FLOOR = 0.95
#: a first check of a 5,000-word reply (the dictionary loaded), in the worker, in seconds
FULL_CHECK_BUDGET = 0.2
#: a check after one key in a 5,000-word reply written as one line (the worst case)
KEY_CHECK_BUDGET = 0.05


@dataclass(frozen=True)
class Figures:
    words: int
    expected: int
    flagged: int
    right: int
    #: flagged words that are not misspelled, and misspelled words not flagged
    false_alarms: tuple[str, ...]
    missed: tuple[str, ...]

    @property
    def precision(self) -> float:
        return self.right / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0


def read_corpus(path: Path = CORPUS) -> tuple[str, set[tuple[int, int]]]:
    """The corpus's text without the marks, and where each marked word starts."""
    lines: list[str] = []
    expected: set[tuple[int, int]] = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("#"):
            continue
        line, shift = "", 0
        for match in _MARKED.finditer(raw):
            line += raw[shift : match.start()]
            expected.add((len(lines), len(line)))
            line += match.group(1)
            shift = match.end()
        lines.append(line + raw[shift:])
    return "\n".join(lines), expected


def measure(speller: Speller, path: Path = CORPUS) -> Figures:
    text, expected = read_corpus(path)
    found = speller.check(text)
    flagged = {(m.row, m.start): m.word for m in found}
    rows = text.split("\n")
    missed = tuple(
        re.match(r"\S+", rows[row][start:]).group()  # type: ignore[union-attr]
        for row, start in sorted(expected - flagged.keys())
    )
    return Figures(
        words=len(text.split()),
        expected=len(expected),
        flagged=len(flagged),
        right=len(expected & flagged.keys()),
        false_alarms=tuple(w for k, w in sorted(flagged.items()) if k not in expected),
        missed=missed,
    )


def full_check_seconds(speller: Speller, words: int = 5000) -> float:
    """A first check of a reply of ``words`` words (no line checked before)."""
    text, _ = read_corpus()
    reply = (text.replace("\n", " ") + " ") * (words // len(text.split()) + 1)
    reply = " ".join(reply.split()[:words])
    paragraphs = [" ".join(reply.split()[i : i + 80]) for i in range(0, words, 80)]
    speller.load()
    started = time.perf_counter()
    speller.check("\n\n".join(paragraphs))
    return time.perf_counter() - started


def key_check_seconds(speller: Speller, words: int = 5000) -> float:
    """A check after one key typed at the end of a one-line reply of ``words`` words."""
    text, _ = read_corpus()
    reply = " ".join(((text.replace("\n", " ") + " ") * (words // 500 + 1)).split()[:words])
    speller.check(reply)
    started = time.perf_counter()
    speller.check(reply + "s")
    return time.perf_counter() - started


#: keystroke p95 with spellcheck on may exceed the one with it off by at most this
TYPING_MARGIN_MS = 5.0
TYPED = b"and thanks agian for waiting "


def typing_p95(folder: Path, *, enabled: bool, words: int = 5000) -> float:
    """The p95 in milliseconds from a key typed at the end of a ``words``-word reply to
    the first frame after it."""
    import asyncio

    from benchmarks.databases import sqlite_demo
    from benchmarks.keys import press
    from benchmarks.report import percentile
    from benchmarks.screen import open_console, plain

    workdir = folder / ("on" if enabled else "off")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config-none.toml").write_text(
        f"[spellcheck]\nenabled = {'true' if enabled else 'false'}\n", encoding="utf-8"
    )
    demo = asyncio.run(sqlite_demo(folder, 200))
    text, _ = read_corpus()
    body = " ".join(((text.replace("\n", " ") + " ") * (words // 500 + 1)).split()[:words])
    paragraphs = "\n\n".join(" ".join(body.split()[i : i + 80]) for i in range(0, words, 80))
    term = open_console(demo.url, demo.agent, workdir, cols=120, rows=40)
    try:
        press(term, b"r", lambda f: b"Public reply" in plain(f.data), quiet=0.5)
        term.send(b"\x1b[200~" + paragraphs.encode() + b"\x1b[201~")
        term.settle(2.0, timeout=60)
        latencies = [
            press(term, bytes([c]), lambda f: True, quiet=0.1).latency * 1000 for c in TYPED * 2
        ]
    finally:
        term.close()
    return percentile(latencies, 95)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        speller = Speller("en", Path(folder) / "dictionary.txt")
        figures = measure(speller)
        seconds = full_check_seconds(Speller("en", Path(folder) / "dictionary.txt"))
        per_key = key_check_seconds(speller)
    print(f"corpus: {figures.words} words, {figures.expected} misspelled, {CORPUS.name}")
    print(f"flagged {figures.flagged}, of them misspelled {figures.right}")
    rows = (
        ("precision", figures.precision, ">=", PRECISION_FLOOR),
        ("recall", figures.recall, ">=", RECALL_FLOOR),
        ("5,000-word check (s)", seconds, "<=", FULL_CHECK_BUDGET),
        ("check after a key (s)", per_key, "<=", KEY_CHECK_BUDGET),
    )
    results = []
    for name, value, sense, bound in rows:
        ok = value >= bound if sense == ">=" else value <= bound
        results.append(ok)
        print(f"{name:<22} {value:8.3f}  budget {sense} {bound:<6g} {'ok' if ok else 'OVER'}")
    if "--typing" in sys.argv:
        with tempfile.TemporaryDirectory() as folder:
            # Alternated, the better of two runs each: the machine's noise is larger
            # than the difference (measured 15.9/17.7 ms on against 18.1/14.8 ms off).
            runs = [typing_p95(Path(folder), enabled=e) for e in (True, False, True, False)]
            on, off = min(runs[0::2]), min(runs[1::2])
        ok = on <= off + TYPING_MARGIN_MS
        results.append(ok)
        print(
            f"key p95, 5,000 words   on {on:.1f} ms, off {off:.1f} ms  "
            f"budget on <= off + {TYPING_MARGIN_MS:g} {'ok' if ok else 'OVER'}"
        )
    if figures.false_alarms:
        print("flagged but right:", ", ".join(figures.false_alarms))
    if figures.missed:
        print("misspelled, not flagged:", ", ".join(figures.missed))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
