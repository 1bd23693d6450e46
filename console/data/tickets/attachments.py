"""Attachments: files on a ticket, stored in the database with their history event."""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
from pathlib import Path

from sqlalchemy import select

from console.data import history
from console.data.errors import BadValue, NotFound
from console.data.models import Attachment, Ticket
from console.data.records import TicketRecord
from console.data.tickets.frame import Frame, _Action
from console.data.workflow import Action

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class Attachments(Frame):
    """Attaching files to a ticket and reading them back."""

    async def attach(
        self,
        number: int,
        path: str | Path,
        *,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Attach a file (at most 20 MB, refused before it is read).

        The content is stored in the attachment row, in the same transaction as its
        history event, so a crash never leaves half a file or a row without content.
        """
        file = Path(path)
        # Read in a thread: a 20 MB file on a slow disk must not stop the event loop.
        content = await asyncio.to_thread(read_file, file)
        return await self.attach_bytes(
            number, file.name, content, expected_version=expected_version
        )

    async def attach_bytes(
        self,
        number: int,
        file_name: str,
        content: bytes,
        *,
        media_type: str | None = None,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Attach content already in memory (as received by mail intake or a form)."""
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise BadValue(
                f"{file_name} is {len(content) / 1024 / 1024:.1f} MB; "
                "attachments are at most 20 MB."
            )
        if not file_name.strip():
            raise BadValue("An attachment needs a file name.")
        digest = hashlib.sha256(content).hexdigest()
        kind = media_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"

        def change(act: _Action) -> None:
            act.session.add(
                Attachment(
                    ticket_id=act.ticket.id,
                    file_name=file_name,
                    media_type=kind,
                    size=len(content),
                    sha256=digest,
                    content=content,
                    uploaded_by_id=self.actor.id,
                    created_at=self.clock(),
                )
            )
            self._event(act, "attach", None, None, history.attached(file_name, len(content)))

        return await self._run(number, Action.ATTACH, expected_version, change)

    async def attachment_content(self, number: int, attachment_id: int) -> tuple[str, bytes]:
        """An attachment's file name and content, for saving it."""
        await self.queries.ticket(number)  # scope check
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(Attachment.file_name, Attachment.content)
                    .join(Ticket, Ticket.id == Attachment.ticket_id)
                    .where(Attachment.id == attachment_id, Ticket.number == number)
                )
            ).first()
        if row is None:
            raise NotFound(f"#{number} has no attachment {attachment_id}.")
        return row[0], row[1]


def read_file(file: Path) -> bytes:
    """Read a file to attach, refusing it by its size before reading it into memory."""
    file = file.expanduser()
    try:
        size = file.stat().st_size
    except FileNotFoundError:
        raise BadValue(f"No file at {file}.") from None
    except OSError as exc:
        raise BadValue(f"Cannot read {file}: {exc.strerror}.") from None
    if not file.is_file():
        raise BadValue(f"{file} is not a file.")
    if size > MAX_ATTACHMENT_BYTES:
        raise BadValue(
            f"{file.name} is {size / 1024 / 1024:.1f} MB; attachments are at most 20 MB."
        )
    # Read at most one byte past the limit, in case the file grew since it was measured.
    with file.open("rb") as handle:
        content = handle.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise BadValue(f"{file.name} is over 20 MB; attachments are at most 20 MB.")
    return content
