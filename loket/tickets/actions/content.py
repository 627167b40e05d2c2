"""A message's content made ready before its transaction opens.

Sanitising HTML, turning it into text, sniffing, hashing and writing attachments take time
and need no database; done inside the transaction they would hold SQLite's write lock (every
other writer waits). So the message actions call ``prepare`` first, outside any transaction
the caller has not opened itself, and only store the result inside theirs. Files written
ahead are removed again when the transaction fails (``files_kept_on_success``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from loket.lib.files import check_size, display_name, sniff_type
from loket.lib.html import html_to_text, sanitise_html
from loket.tickets import guards
from loket.tickets.actions.core import ActionError, NewAttachment
from loket.tickets.models import Attachment, Message, attachment_path

T = TypeVar("T")


@dataclass(frozen=True)
class StoredFile:
    """An attachment's bytes already in storage (``name``), with what the row records."""

    name: str
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Prepared:
    text: str
    html: str  # sanitised
    files: tuple[StoredFile, ...] = ()
    # What the content guards (``loket.tickets.guards``) do once the message row exists.
    guarded: tuple[Callable[[Message], None], ...] = ()
    subject: str = ""  # a new ticket's subject, as the guards left it


def prepare_body(body: str, body_html: str = "") -> tuple[str, str]:
    """``(text, sanitised html)``; ``HtmlTooComplex`` for HTML over the sanitiser's limits,
    ``ActionError`` when nothing is left."""
    clean_html = sanitise_html(body_html) if body_html else ""
    text = body.strip() or (html_to_text(clean_html) if clean_html else "")
    if not text:
        raise ActionError(_("The message is empty."))
    return text, clean_html


def _store_files(attachments: Sequence[NewAttachment]) -> tuple[StoredFile, ...]:
    # Every size is checked before the first file is written: a refused upload leaves no file.
    for item in attachments:
        check_size(len(item.data))
    stored: list[StoredFile] = []
    try:
        for item in attachments:
            name = default_storage.save(attachment_path(None, ""), ContentFile(item.data))
            stored.append(
                StoredFile(
                    name=name,
                    filename=display_name(item.filename),
                    content_type=sniff_type(item.data[:16]),
                    size=len(item.data),
                    sha256=hashlib.sha256(item.data).hexdigest(),
                )
            )
    except BaseException:
        discard(stored)
        raise
    return tuple(stored)


def prepare(
    body: str, body_html: str, attachments: Sequence[NewAttachment], subject: str = ""
) -> Prepared:
    """``subject``: a new ticket's subject, which the content guards see (and may rewrite)
    with its first message."""
    text, html = prepare_body(body, body_html)
    guarded = guards.apply(text, html, subject)
    return Prepared(
        guarded.text, guarded.html, _store_files(attachments), guarded.callbacks, guarded.subject
    )


def discard(files: Sequence[StoredFile]) -> None:
    for item in files:
        default_storage.delete(item.name)


@contextmanager
def files_kept_on_success(prepared: Prepared) -> Iterator[None]:
    """Removes the files written ahead when the block (the transaction) fails."""
    try:
        yield
    except BaseException:
        discard(prepared.files)
        raise


def with_prepared(prepared: Prepared, store: Callable[[], T]) -> T:
    with files_kept_on_success(prepared):
        return store()


def store(message: Message, prepared: Prepared) -> None:
    """What belongs to a new message row besides its text (inside its transaction): the
    attachments stored ahead and what the content guards keep."""
    attach(message, prepared.files)
    for stored in prepared.guarded:
        stored(message)


def attach(message: Message, files: Sequence[StoredFile]) -> None:
    """The rows of files stored ahead (inside the message's transaction)."""
    for item in files:
        attachment = Attachment(
            message=message,
            filename=item.filename,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
        )
        attachment.file.name = item.name
        attachment.save()
