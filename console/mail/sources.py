"""Where mail is read from: a Maildir folder, an mbox file, or ``.eml`` files (named, or
a folder of them).

Each mail comes as ``Found``: where it was (for the report and the quarantine), its raw
bytes (None when it is over the size limit: it is measured, never read whole), and how to
mark it done.  A Maildir follows maildir(5): mail in ``new/`` and unseen mail in ``cur/``
is read; the worker moves a mail to ``cur/`` with the Seen flag only after its ticket is
committed.  mbox is read with the standard library's ``mailbox``.
"""

from __future__ import annotations

import hashlib
import mailbox
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from console.mail.parse import MAX_MESSAGE_BYTES


class SourceError(Exception):
    """A path that cannot be read as mail; the message says why."""


@dataclass(frozen=True)
class Found:
    """One mail as read: ``raw`` is None when it is over the limit (``size`` says how big);
    ``sha256`` is the digest of what was read; ``path`` the Maildir file, if any."""

    source: str
    raw: bytes | None
    size: int
    sha256: str
    path: Path | None = None


def _read_limited(handle: BinaryIO, source: str, path: Path | None = None) -> Found:
    head = handle.read(MAX_MESSAGE_BYTES + 1)
    if len(head) > MAX_MESSAGE_BYTES:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        return Found(source, None, size, hashlib.sha256(head[:65536]).hexdigest(), path)
    return Found(source, head, len(head), hashlib.sha256(head).hexdigest(), path)


def is_maildir(path: Path) -> bool:
    """A folder with the ``cur`` and ``new`` sub-folders of maildir(5)."""
    return (path / "cur").is_dir() and (path / "new").is_dir()


def check(paths: list[Path]) -> None:
    """Refuse, before anything is imported, a path that cannot be read as mail."""
    for path in paths:
        if not path.exists():
            raise SourceError(f"{path}: no such file or folder.")
        if path.is_dir():
            if not is_maildir(path) and not any(path.glob("*.eml")):
                raise SourceError(
                    f"{path} is a folder but not a Maildir (no cur/ and new/) "
                    "and holds no .eml files."
                )
            if not os.access(path / "new" if is_maildir(path) else path, os.R_OK | os.X_OK):
                raise SourceError(f"{path}: cannot read it (permission denied).")
        elif not os.access(path, os.R_OK):
            raise SourceError(f"{path}: cannot read it (permission denied).")


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def is_seen(name: str) -> bool:
    """Whether a Maildir file name carries the Seen flag (``...:2,S``)."""
    _, _, info = name.partition(":2,")
    return "S" in info


def maildir_files(path: Path, *, unseen_only: bool) -> list[Path]:
    """The mail files of a Maildir, oldest name first (``tmp/`` is never read)."""
    files = sorted((path / "new").iterdir()) + sorted((path / "cur").iterdir())
    return [
        f
        for f in files
        if f.is_file() and not f.name.startswith(".") and not (unseen_only and is_seen(f.name))
    ]


def mark_seen(found: Found) -> None:
    """Move a Maildir mail to ``cur/`` with the Seen flag (after its ticket is committed)."""
    if found.path is None or not found.path.exists():
        return
    name = found.path.name
    if ":2," in name:
        base, _, flags = name.partition(":2,")
        new_name = f"{base}:2,{''.join(sorted(set(flags) | {'S'}))}"
    else:
        new_name = f"{name}:2,S"
    found.path.rename(found.path.parent.parent / "cur" / new_name)


def read(paths: list[Path], *, unseen_only: bool = False) -> Iterator[Found]:
    """Every mail of the paths, in order (``check`` them first)."""
    for path in paths:
        if path.is_dir():
            files = (
                maildir_files(path, unseen_only=unseen_only)
                if is_maildir(path)
                else sorted(path.glob("*.eml"))
            )
            for file in files:
                try:
                    with file.open("rb") as handle:
                        yield _read_limited(handle, str(file), file)
                except FileNotFoundError:  # taken by another reader meanwhile
                    continue
        elif _is_mbox(path):
            box = mailbox.mbox(path, create=False)
            try:
                for index, key in enumerate(box.iterkeys(), start=1):
                    with box.get_file(key) as handle:
                        yield _read_limited(handle, f"{path}#{index}")  # type: ignore[arg-type]
            finally:
                box.close()
        else:
            with path.open("rb") as handle:
                yield _read_limited(handle, str(path))
