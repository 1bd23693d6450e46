"""Writing attachments out to files (shared by the console and the command line)."""

from __future__ import annotations

from pathlib import Path


def save_attachment(target: Path, name: str, content: bytes) -> Path:
    """Write an attachment to a file, or into a folder under its own (base) name.

    Only the base name of ``name`` is used, so a hostile file name cannot climb out of
    the folder the agent chose.
    """
    target = target.expanduser()
    if target.is_dir():
        target = target / (Path(name).name or "attachment")
    target.write_bytes(content)
    return target
