"""Your own editor for a text field (``ctrl+e``): the text goes to a file, ``$VISUAL``
(else ``$EDITOR``) edits it, and what was saved comes back, the way mutt and
``git commit`` hand a message to the editor.  An editor that exits non-zero changes
nothing.  No Textual here: the widgets suspend the terminal around ``run_editor``."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Edited:
    """What the editor gave back: the new text, or why the text stays as it was."""

    text: str | None
    problem: str | None = None


def editor_command(environ: Mapping[str, str] | None = None) -> list[str] | None:
    """The editor people asked for, split like a shell would (``code --wait``)."""
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError:
                return None
    return None


def run_editor(text: str, *, single_line: bool = False, suffix: str = ".txt") -> Edited:
    """Edit ``text`` in the editor; blocks until the editor exits."""
    command = editor_command()
    if not command:
        return Edited(None, "Set $VISUAL or $EDITOR to write in your own editor.")
    with tempfile.TemporaryDirectory(prefix="agent-console-") as folder:
        path = Path(folder) / f"text{suffix}"
        path.write_text(text + ("\n" if text and not text.endswith("\n") else ""), "utf-8")
        try:
            done = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            return Edited(None, f"Could not start the editor {command[0]}: {exc.strerror}.")
        if done.returncode != 0:
            return Edited(None, f"The editor exited with {done.returncode}; the text is unchanged.")
        try:
            saved = path.read_text("utf-8", errors="replace")
        except OSError as exc:
            return Edited(None, f"The edited text could not be read: {exc.strerror}.")
    if saved.endswith("\n"):
        saved = saved[:-1]
    if single_line:
        saved = " ".join(line.strip() for line in saved.splitlines() if line.strip())
    return Edited(saved)
