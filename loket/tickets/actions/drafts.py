"""Drafts: what an agent is writing on a ticket, kept on the server as they type.

One draft per ticket, agent and kind (public reply, internal note); only its author reads it
(every function takes the agent). Images pasted into a reply are kept as ``DraftImage`` rows,
checked like attachments when they arrive, until the reply that refers to them is sent.
Drafts are not ticket changes (nothing the customer or a colleague sees), so they write no
ticket event; sending and undoing a reply do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import User
from loket.lib.files import (
    SAFE_INLINE_SIGNATURES,
    AttachmentRejected,
    check_size,
    display_name,
    sniff_type,
)
from loket.tickets.actions.core import NewAttachment, _require_agent
from loket.tickets.models import Draft, DraftImage, DraftKind, Ticket, draft_image_path

MAX_DRAFT_CHARS = 100_000
MAX_IMAGES_PER_DRAFT = 20


def draft_text(ticket: Ticket, agent: User, kind: DraftKind) -> str:
    found = Draft.objects.filter(ticket=ticket, agent=agent, kind=kind).only("body").first()
    return found.body if found is not None else ""


def save_draft(ticket: Ticket, agent: User, kind: DraftKind, body: str) -> Draft | None:
    """Keeps ``body`` as the agent's draft (an empty one is removed: None)."""
    _require_agent(agent)
    if len(body) > MAX_DRAFT_CHARS:
        raise AttachmentRejected(_("The draft is too long to keep."))
    if not body.strip():
        discard_draft(ticket, agent, kind)
        return None
    draft, _created = Draft.objects.update_or_create(
        ticket=ticket, agent=agent, kind=kind, defaults={"body": body, "updated_at": timezone.now()}
    )
    return draft


def discard_draft(ticket: Ticket, agent: User, kind: DraftKind) -> None:
    Draft.objects.filter(ticket=ticket, agent=agent, kind=kind).delete()


def add_image(ticket: Ticket, agent: User, *, filename: str, data: bytes) -> DraftImage:
    """An image pasted or dropped into a reply: the attachment size limit, and only the image
    types a browser may show inline (sniffed from the bytes, never the name or the header)."""
    _require_agent(agent)
    check_size(len(data))
    content_type = sniff_type(data[:16])
    if content_type not in SAFE_INLINE_SIGNATURES:
        raise AttachmentRejected(_("Only PNG, JPEG, GIF and WebP images can be pasted."))
    if DraftImage.objects.filter(ticket=ticket, agent=agent).count() >= MAX_IMAGES_PER_DRAFT:
        raise AttachmentRejected(_("A reply holds at most 20 pasted images."))
    name = default_storage.save(draft_image_path(None, ""), ContentFile(data))
    try:
        return DraftImage.objects.create(
            ticket=ticket,
            agent=agent,
            file=name,
            filename=display_name(filename or "image"),
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    except BaseException:
        default_storage.delete(name)
        raise


def images_in(ticket: Ticket, agent: User, html: str) -> list[DraftImage]:
    """The agent's draft images that ``html`` refers to (``cid:img-…``)."""
    return [
        image
        for image in DraftImage.objects.filter(ticket=ticket, agent=agent).order_by("pk")
        if f"cid:{image.cid}" in html
    ]


def as_attachments(images: Iterable[DraftImage]) -> list[NewAttachment]:
    """The images as new attachments of the reply (they pass the attachment checks again)."""
    found = []
    for image in images:
        with image.file.open("rb") as handle:
            found.append(NewAttachment(filename=image.filename, data=handle.read()))
    return found


def drop_images(images: QuerySet[DraftImage]) -> None:
    """Removes the rows now and their files once the transaction commits."""
    names = list(images.values_list("file", flat=True))
    images.delete()

    def remove() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(remove)
